// Injected by build.ts through `define`; absent when running from source.
declare const BUILD_VERSION: string | undefined;
declare const BUILD_COMMIT: string | undefined;

export const VERSION: string = typeof BUILD_VERSION === "string" ? BUILD_VERSION : "0.0.0-dev";
export const COMMIT: string = typeof BUILD_COMMIT === "string" ? BUILD_COMMIT : "source";

export function versionLine(): string {
  return `model-manager ${VERSION} (${COMMIT})`;
}
