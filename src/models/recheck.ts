import { statSync } from "node:fs";
import type { IndexedFile } from "../cache/index-schema.ts";
import type { ModelSpec, VerifyLevel } from "../config/types.ts";
import { type FileRoot, locate } from "../layout/index.ts";
import { describeVerificationFailure, type VerificationFailure } from "../errors.ts";
import { quarantine } from "../verify/quarantine.ts";
import { verifyFiles } from "../verify/verify-files.ts";
import type { RunContext } from "./context.ts";

export type RecheckFailure = { readonly file: IndexedFile; readonly failure: VerificationFailure; readonly description: string };

/**
 * Checks files already on disk against what the index (or the Hub) says they
 * are. Good files come back with their current mtime, and the sha256 when it was computed.
 */
export async function recheckFiles(
  directory: string | FileRoot,
  files: readonly IndexedFile[],
  level: VerifyLevel,
  context: RunContext,
): Promise<{ good: IndexedFile[]; bad: RecheckFailure[] }> {
  if (files.length === 0) return { good: [], bad: [] };
  const { failures, digests } = await verifyFiles(directory, files, level, {
    signal: context.signal,
    onWarning: (message) => context.logger.debug(message),
  });
  const failed = new Map(failures.map((failure) => [failure.path, failure]));
  const good: IndexedFile[] = [];
  const bad: RecheckFailure[] = [];
  for (const file of files) {
    const failure = failed.get(file.path);
    if (failure) {
      bad.push({ file, failure, description: describeVerificationFailure(failure) });
      continue;
    }
    const sha256 = file.sha256 ?? digests.get(file.path)?.sha256;
    const mtimeMs = statSync(locate(directory, file)).mtimeMs;
    good.push({ ...file, ...(sha256 ? { sha256 } : {}), mtimeMs });
  }
  return { good, bad };
}

/** Keeps a damaged copy for inspection (removed by --clean) instead of deleting it. */
export async function quarantineCopy(cacheDir: string, spec: Pick<ModelSpec, "id">, absolutePath: string, filePath: string, context: RunContext): Promise<string | undefined> {
  try {
    statSync(absolutePath);
  } catch {
    return undefined;
  }
  const destination = await quarantine(cacheDir, spec.id, filePath, absolutePath);
  context.logger.info(`${spec.id}: moved the damaged copy of ${filePath} to ${destination}`);
  return destination;
}
