import pkg from "../package.json" with { type: "json" };
// A type only: --version stays fast without valibot.
import type { VersionOutput } from "./output/json-schema.ts";

// Injected by build.ts through `define`; absent when running from source.
declare const BUILD_VERSION: string | undefined;
declare const BUILD_COMMIT: string | undefined;

// From source (the library as a package imports it), the package's own version, not a placeholder.
export const VERSION: string = typeof BUILD_VERSION === "string" ? BUILD_VERSION : pkg.version;
export const COMMIT: string = typeof BUILD_COMMIT === "string" ? BUILD_COMMIT : "source";

export function versionLine(): string {
  return `model-manager ${VERSION} (${COMMIT})`;
}

/** `--json --version`: the version in the one --json envelope, so `jq -r .version` and schema checks both work. */
export function versionJson(): VersionOutput {
  return { schemaVersion: 1, command: "version", ok: true, exitCode: 0, version: VERSION, commit: COMMIT, models: [] };
}
