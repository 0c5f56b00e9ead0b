/**
 * Reading and updating `<cacheDir>/model-manager.lock.json`.
 *
 * Reading never fails on a bad file: an unreadable, corrupt, invalid or newer
 * index is reported through `onWarning`, moved aside (so nothing is lost and the
 * next write starts clean) and read as empty; the manager rebuilds from disk.
 * Moving aside and every write happen under the index lock, so concurrent
 * processes never lose each other's entries nor move a freshly written index.
 */

import { readFileSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { messageOf } from "../errors.ts";
import { writeFileAtomic } from "./atomic-write.ts";
import { type CacheIndex, emptyIndex, INDEX_VERSION, indexProblems, parseIndex, serializeIndex } from "./index-schema.ts";
import { assertStateFoldersSafe, fileStamp, indexLockPath, indexPath, unusedPath } from "./layout.ts";
import { acquireLock, type Lock, type LockOptions } from "./lock.ts";
import { withoutClaims } from "./index-entries.ts";
import { realpathOrSelf } from "./real-path.ts";

export type IndexProblem = "unreadable" | "corrupt" | "invalid" | "newer-version";

export type IndexWarning = {
  readonly reason: IndexProblem;
  readonly message: string;
  /** Where the bad file now is; absent when it could not be moved. */
  readonly movedTo?: string;
};

export type IndexOptions = {
  onWarning?: (warning: IndexWarning) => void;
  signal?: AbortSignal;
  /** Forwarded to the index lock, e.g. to tell the user who holds it. */
  onWait?: LockOptions["onWait"];
};

/** The index lock is held for milliseconds; a holder silent this long is gone. */
const INDEX_LOCK_STALE_MS = 30_000;

type Loaded =
  | { readonly kind: "missing" }
  | { readonly kind: "ok"; readonly index: CacheIndex; readonly text: string }
  | { readonly kind: "bad"; readonly reason: IndexProblem; readonly detail: string };

/**
 * The last index readIndex parsed, by its exact text. A run reads the index
 * once per model, and for a warm cache the schema check is a large part of
 * the run (20 cached models: 40 ms with a parse per model, 28 ms with one). Frozen, because it is
 * shared: changes go through updateIndex, which always parses afresh.
 */
let lastParsed: { readonly path: string; readonly text: string; readonly index: CacheIndex } | undefined;

export async function readIndex(cacheDir: string, options: IndexOptions = {}): Promise<CacheIndex> {
  const path = indexPath(cacheDir);
  const loaded = loadIndex(path, lastParsed?.path === path ? lastParsed : undefined);
  if (loaded.kind === "ok" && lastParsed?.index !== loaded.index) lastParsed = { path, text: loaded.text, index: deepFreeze(loaded.index) };
  if (loaded.kind === "missing") return emptyIndex();
  if (loaded.kind === "ok") return loaded.index;
  let lock: Lock | undefined;
  try {
    lock = await lockIndex(cacheDir, options);
    // Re-read under the lock: another process may have replaced it with a good one meanwhile.
    return settle(cacheDir, loadIndex(indexPath(cacheDir)), options);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    options.onWarning?.({ reason: loaded.reason, message: `${describe(cacheDir, loaded)}; it could not be moved aside (${messageOf(error)})` });
    return emptyIndex();
  } finally {
    lock?.release();
  }
}

/**
 * Read-modify-write under the index lock. `mutate` edits the index in place;
 * the result is validated, then written atomically unless nothing changed.
 * Returns the index as written.
 */
export async function updateIndex(
  cacheDir: string,
  mutate: (index: CacheIndex) => void | Promise<void>,
  options: IndexOptions = {},
): Promise<CacheIndex> {
  await using lock = await lockIndex(cacheDir, options);
  const path = indexPath(cacheDir);
  const loaded = loadIndex(path);
  const index = settle(cacheDir, loaded, options);
  await mutate(index);
  index.writtenIn = realpathOrSelf(dirname(path));
  const problems = indexProblems(index);
  if (problems.length > 0) throw new Error(`Refusing to write an invalid index:\n  ${problems.slice(0, 5).join("\n  ")}`);
  const text = serializeIndex(index);
  if (loaded.kind === "ok" && loaded.text === text) return index;
  if (lock.lost.aborted) throw new Error(`Lost the index lock of ${cacheDir} while updating it; nothing was written`);
  writeFileAtomic(path, text);
  return index;
}

function lockIndex(cacheDir: string, options: IndexOptions): Promise<Lock> {
  assertStateFoldersSafe(cacheDir);
  return acquireLock(indexLockPath(cacheDir), {
    purpose: "updating the cache index",
    staleMs: INDEX_LOCK_STALE_MS,
    signal: options.signal,
    onWait: options.onWait,
  });
}

/** Called with the index lock held: a bad file is moved aside and read as empty. */
function settle(cacheDir: string, loaded: Loaded, options: IndexOptions): CacheIndex {
  if (loaded.kind === "ok") return loaded.index;
  if (loaded.kind === "missing") return emptyIndex();
  const path = indexPath(cacheDir);
  const movedTo = unusedPath(`${path}.${loaded.reason === "newer-version" ? "newer" : "corrupt"}-${fileStamp()}`);
  const message = describe(cacheDir, loaded);
  try {
    renameSync(path, movedTo);
  } catch (error) {
    options.onWarning?.({ reason: loaded.reason, message: `${message}; it could not be moved aside (${messageOf(error)})` });
    return emptyIndex();
  }
  options.onWarning?.({ reason: loaded.reason, message: `${message}; moved it to ${movedTo} and starting from an empty index`, movedTo });
  return emptyIndex();
}

function loadIndex(path: string, known?: { readonly text: string; readonly index: CacheIndex }): Loaded {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "bad", reason: "unreadable", detail: messageOf(error) };
  }
  if (known?.text === text) return { kind: "ok", index: known.index, text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: "bad", reason: "corrupt", detail: text.trim() === "" ? "the file is empty" : `not valid JSON (${messageOf(error)})` };
  }
  const version = typeof value === "object" && value !== null ? (value as { version?: unknown }).version : undefined;
  if (typeof version === "number" && version > INDEX_VERSION) {
    return { kind: "bad", reason: "newer-version", detail: `it has version ${version}, written by a newer model-manager (this one reads version ${INDEX_VERSION})` };
  }
  const parsed = parseIndex(value);
  if (!parsed) return { kind: "bad", reason: "invalid", detail: `it does not match the schema: ${indexProblems(value).slice(0, 3).join("; ")}` };
  // Copied or restored elsewhere: the configuration files that recorded its entries do not use this copy.
  const index = parsed.writtenIn === undefined || parsed.writtenIn === realpathOrSelf(dirname(path)) ? parsed : withoutClaims(parsed);
  return { kind: "ok", index, text };
}

function describe(cacheDir: string, loaded: Extract<Loaded, { kind: "bad" }>): string {
  const what = { unreadable: "cannot be read", corrupt: "is corrupt", invalid: "is invalid", "newer-version": "is from a newer version" }[loaded.reason];
  return `The cache index ${indexPath(cacheDir)} ${what}: ${loaded.detail}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
