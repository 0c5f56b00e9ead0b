import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { IndexEntry } from "../cache/index-schema.ts";
import { everyEntry, updateEntry } from "../cache/index-entries.ts";
import { updateIndex } from "../cache/index-file.ts";
import { INDEX_FILE_NAME } from "../cache/layout.ts";
import { type CacheLayout, type CacheLocation, cacheDirSourceOf, cacheLayout, configPathOf, type FileRoot, locate, type ModelPlacement } from "../layout/index.ts";
import { cacheAccess, describeUnwritable } from "../cache/writable.ts";
import { describeFsFailure, fsErrorOf } from "../cache/fs-errors.ts";
import type { ModelSpec, VerifyLevel } from "../config/types.ts";
import { NotCachedError, type VerificationFailure } from "../errors.ts";
import { verifyFiles } from "../verify/verify-files.ts";
import { readIndexFor, type RunContext } from "./context.ts";
import { strongerLevel } from "./records.ts";
import { modelState } from "./status.ts";

export type VerifyReport = {
  readonly id: string;
  readonly path: string;
  readonly level: VerifyLevel;
  /** The recorded commit of what was checked; absent when nothing is recorded for this configuration. */
  readonly commit?: string;
  /** "ok", "failed" (some file is bad), or "not-cached" (nothing recorded for this configuration). */
  readonly status: "ok" | "failed" | "not-cached";
  readonly files: number;
  readonly bytes: number;
  readonly failures: readonly VerificationFailure[];
  readonly reason?: string;
};

/**
 * Checks a cached model against its index entry at `level`, reading only the
 * local disk. A success is recorded (verifiedAt); a bad file is marked so the
 * next normal run re-checks and repairs it.
 */
export async function verifyCachedModel(spec: ModelSpec, cache: CacheLocation, level: VerifyLevel, context: RunContext): Promise<VerifyReport> {
  const layout = cacheLayout(cache);
  const index = await readIndexFor(layout.stateRoot, context);
  const state = modelState(spec, layout, index, configPathOf(cache));
  const base = { id: spec.id, path: state.directory, level };
  if (!state.entry || state.status === "outdated" || state.status === "partial" || state.status === "missing") {
    const reason =
      state.status === "partial"
        ? "its download was interrupted; run without --verify-only to finish it"
        : state.status === "outdated"
          ? "the cache holds another revision or file selection than the configuration asks for"
          : "it has not been downloaded";
    return { ...base, status: "not-cached", files: 0, bytes: 0, failures: [], reason };
  }
  return verifyEntry(spec.id, state.entry, layout.placement(spec, state.entry.commit), { layout, source: cacheDirSourceOf(cache) }, level, context);
}

/** A model's folder, where its files' bytes are (hf: the blobs, which are hashed) and what readers open instead of them. */
type Where = Pick<ModelPlacement, "directory" | "content" | "standalone">;

/** The cache a model is verified in, and for messages what chose it ("--cache-dir", "HF_HUB_CACHE"…; default cache_dir). */
type VerifiedCache = { readonly layout: Pick<CacheLayout, "root" | "stateRoot">; readonly source?: string | undefined };

async function verifyEntry(id: string, entry: IndexEntry, where: Where, cache: VerifiedCache, level: VerifyLevel, context: RunContext): Promise<VerifyReport> {
  const { root, stateRoot } = cache.layout;
  const { directory, content } = where;
  const options = { signal: context.signal, onWarning: (message: string) => context.logger.debug(message) };
  const contentCheck = await verifyFiles(content, entry.files, level, options);
  // hf: a snapshot entry that is not the link to its blob is what Python reads: a copy is checked as a file, anything else is damage.
  const readers = where.standalone?.(entry.files);
  const readerCheck = readers && readers.files.length > 0 ? await verifyFiles(readers.root, readers.files, level, options) : { failures: [] };
  const failed = new Set(contentCheck.failures.map((failure) => failure.path));
  const failures = [...contentCheck.failures, ...readerCheck.failures.filter((failure) => !failed.has(failure.path))];
  const bad = new Set(failures.map((failure) => failure.path));
  const access = cacheAccess(root);
  if (access === "writable") await recordVerificationIfPossible(stateRoot, id, entry, content, level, bad, context);
  else context.warnOnce(`${describeUnwritable(root, access, cache.source)}, so its index could not be updated (when each model was verified, and which files failed)`);
  const bytes = entry.files.reduce((sum, file) => sum + file.size, 0);
  return { id, path: directory, level, commit: entry.commit, status: failures.length === 0 ? "ok" : "failed", files: entry.files.length, bytes, failures };
}

/**
 * The check itself is done: a cache that turns out not to take the record (a full disk,
 * a quota) does not undo it. Said once per run; the next run verifies these files again.
 */
async function recordVerificationIfPossible(
  cacheDir: string,
  id: string,
  entry: IndexEntry,
  content: FileRoot,
  level: VerifyLevel,
  bad: ReadonlySet<string>,
  context: RunContext,
): Promise<void> {
  try {
    await recordVerification(cacheDir, id, entry, content, level, bad);
  } catch (error) {
    const failure = fsErrorOf(error);
    if (!failure || context.signal?.aborted) throw error;
    context.warnOnce(`the index of ${cacheDir} could not be updated (${describeFsFailure(failure)}), so when each model was verified, and which files failed, is not recorded`);
  }
}

/** A success is recorded (verifiedAt, level); a bad file gets mtime 0 so the next run re-checks and repairs it. */
async function recordVerification(cacheDir: string, id: string, entry: IndexEntry, content: FileRoot, level: VerifyLevel, bad: ReadonlySet<string>): Promise<void> {
  await updateIndex(cacheDir, (index) =>
    // The entry that was checked: the same configuration file's, still at the same commit and folder.
    updateEntry(index, id, entry, (current) => {
      if (current.commit !== entry.commit || current.localDir !== entry.localDir) return current;
      if (bad.size === 0) {
        const refreshMtimes = level === "sha256";
        return {
          ...current,
          verify: strongerLevel(current.verify, level),
          verifiedAt: new Date().toISOString(),
          files: refreshMtimes ? current.files.map((file) => ({ ...file, mtimeMs: statSync(locate(content, file)).mtimeMs })) : current.files,
        };
      }
      // mtime 0 never matches a real file, so the next run re-checks these files and fetches them again if needed.
      return { ...current, files: current.files.map((file) => (bad.has(file.path) ? { ...file, mtimeMs: 0 } : file)) };
    }),
  );
}

/**
 * Seed API `verify_model(path, level)`: verifies the model stored at `path`,
 * finding its cache index in the nearest parent directory that has one.
 */
export async function verifyModel(path: string, level: VerifyLevel, context: RunContext): Promise<VerifyReport> {
  const directory = resolve(path);
  for (let cacheDir = dirname(directory); ; cacheDir = dirname(cacheDir)) {
    // Either layout's index: <cache_dir>/model-manager.lock.json, or the hf cache's under .locks/model-manager/.
    for (const layout of [cacheLayout({ cacheDir }), cacheLayout({ cacheDir, layout: "hf" })]) {
      if (!statSync(resolve(layout.stateRoot, INDEX_FILE_NAME), { throwIfNoEntry: false })) continue;
      const index = await readIndexFor(layout.stateRoot, context);
      for (const { id, entry } of everyEntry(index)) {
        const placement = layout.placement(recordedSpec(id, entry), entry.commit);
        if (placement.directory === directory) return verifyEntry(id, entry, placement, { layout }, level, context);
      }
    }
    if (dirname(cacheDir) === cacheDir) break;
  }
  throw new NotCachedError(path, "no model-manager cache index records a model at this path");
}

/** The spec an index entry was made for, as far as placing its files goes. */
function recordedSpec(id: string, entry: IndexEntry): ModelSpec {
  return { id, repoId: entry.repoId, repoType: entry.repoType, revision: entry.revision, localDir: entry.localDir, exclude: [] };
}
