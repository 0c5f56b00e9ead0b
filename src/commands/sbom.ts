import { statSync } from "node:fs";
import { resolve } from "node:path";
import { realpathOrSelf } from "../cache/real-path.ts";
import { writeNamedFile } from "../cache/write-named-file.ts";
import type { ModelsConfig } from "../config/types.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { describeDrift, hasDrift, lockDrift } from "../lockfile/compare.ts";
import { LockFileError } from "../lockfile/errors.ts";
import { lockableConfigPath, lockPathFor, noLockHome } from "../lockfile/lock-path.ts";
import { openLockSession } from "../lockfile/open.ts";
import { readLock } from "../lockfile/read-lock.ts";
import { buildSbom } from "../lockfile/sbom.ts";
import { plural } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import { VERSION } from "../version.ts";
import type { CliOptions } from "./options.ts";
import type { ResultWriter } from "./output.ts";

/** `model-manager sbom [--output FILE]`: a CycloneDX 1.6 document of what the committed lock pins. No network. */
export function runSbom(config: ModelsConfig, options: CliOptions, logger: Logger, out: ResultWriter): number {
  const configPath = lockableConfigPath(config);
  if (!configPath) throw new LockFileError(`sbom needs a configuration file: the lock is read from beside it, and ${noLockHome(config)}`);
  const lockPath = lockPathFor(configPath);
  rejectOutputOnto(options.output, configPath, lockPath);
  // --locked makes the SBOM fail when the lock no longer describes the configuration; the session has read the lock then.
  const lock = options.lockMode === "locked" ? openLockSession(config, config.models, { lockMode: "locked" }, logger)?.lock : readLock(lockPath);
  if (!lock) throw new LockFileError(`sbom: there is no lock ${lockPath}; run "model-manager lock" first`);
  const drift = lockDrift(lock, config.models);
  if (hasDrift(drift)) {
    logger.warn(`the lock ${lockPath} does not match the configuration (${describeDrift(drift).join("; ")}); the SBOM describes the lock: run "model-manager lock" first, or sbom --locked to fail here`);
  }
  const document = buildSbom(lock, { name: "model-manager", version: VERSION });
  // /dev/stdout is written through stdout: opening it fails when it is a socket (ENXIO), as under Node-based CI runners.
  if (options.output === undefined || options.output === "/dev/stdout") {
    out.json(document);
    return ExitCode.ok;
  }
  const path = resolve(options.output);
  writeNamedFile(path, `${JSON.stringify(document, null, 2)}\n`, "the SBOM");
  logger.info(`wrote the SBOM of ${plural(lock.models.length, "model")} to ${path}`);
  // Not after the document itself (`--output /dev/stdout | jq`).
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) out.line(path);
  return ExitCode.ok;
}

/** `--output models.lock.json` would replace the lock the SBOM is made from (or the configuration) with the SBOM. */
function rejectOutputOnto(output: string | undefined, configPath: string, lockPath: string): void {
  if (output === undefined) return;
  const target = realpathOrSelf(resolve(output));
  const own = [
    { path: lockPath, what: "the lock the SBOM is made from" },
    { path: configPath, what: "the configuration" },
  ].find((file) => realpathOrSelf(file.path) === target);
  if (own) throw new UsageError(`--output ${output} is ${own.what}; name another file (models.cdx.json)`);
}
