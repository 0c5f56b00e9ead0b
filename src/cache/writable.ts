/**
 * Whether the cache can be written. A cache on a read-only mount (a Docker
 * layer, a `:ro` volume) is still good for reading: runs that only read go
 * ahead without any lock file, and only work that must write is refused.
 */

import { accessSync, constants, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { ModelManagerError } from "../errors.ts";
import { INDEX_FILE_NAME, lstatExisting, statExisting } from "./layout.ts";

export type CacheAccess = "writable" | "read-only" | "no-permission" | "not-a-folder" | "broken-link" | UnreachableAccess;
/** A cache_dir that cannot even be read: every command that uses the cache stops on it. */
export type UnreachableAccess = "link-loop" | "too-long";

/** cache_dir that does not exist yet is judged by the folder it would be created in. */
export function cacheAccess(cacheDir: string): CacheAccess {
  let existing = resolve(cacheDir);
  const unreachable = unreachableReason(existing);
  if (unreachable) return unreachable;
  let stats = statExisting(existing);
  while (!stats && dirname(existing) !== existing) {
    // A symlink to a volume that is not mounted: no folder can be created through it.
    if (lstatExisting(existing)?.isSymbolicLink()) return "broken-link";
    existing = dirname(existing);
    stats = statExisting(existing);
  }
  if (!stats) return "writable";
  if (!stats.isDirectory()) return "not-a-folder";
  try {
    accessSync(existing, constants.W_OK);
    return "writable";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") return "read-only";
    if (code === "EACCES" || code === "EPERM") return "no-permission";
    return "writable";
  }
}

const PROBLEMS: Record<Exclude<CacheAccess, "writable">, { readonly problem: string; readonly fix: string }> = {
  "read-only": { problem: "is read-only", fix: "mount it writable, or choose another cache with --cache-dir" },
  "no-permission": { problem: "is not writable by this user (permission denied)", fix: "give this user write access, or choose another cache with --cache-dir" },
  "broken-link": {
    problem: "is (or is inside) a symlink that leads nowhere (its target is missing)",
    fix: "create the target or mount the volume it points to, or choose another cache with --cache-dir",
  },
  "link-loop": { problem: "is (or is inside) a symlink loop (too many levels of symbolic links)", fix: "point the link at a real folder, or choose another cache with --cache-dir" },
  "too-long": {
    problem: "is too long for the filesystem (a path over its limit, or a folder name over 255 bytes)",
    fix: "choose a shorter one, or another cache with --cache-dir",
  },
  "not-a-folder": { problem: "is not a folder (a file stands where it, or a folder above it, should be)", fix: "move that file away, or choose another cache with --cache-dir" },
};

/** Why the cache cannot be written, for messages: "cache_dir /x is read-only", "HF_HUB_CACHE /x is not a folder". */
export function describeUnwritable(cacheDir: string, access: Exclude<CacheAccess, "writable">, source = "cache_dir"): string {
  return `${source} ${resolve(cacheDir)} ${PROBLEMS[access].problem}`;
}

/** Work that must write to a cache that cannot be written. */
export class UnwritableCacheError extends ModelManagerError {
  override readonly code = "CACHE_NOT_WRITABLE";
  /** The same for every model of the run: printed once. */
  readonly sharedCause: string;
  readonly detail: string;

  /** `what`: what the model needs, e.g. "has to be downloaded". */
  constructor(cacheDir: string, access: Exclude<CacheAccess, "writable">, modelId: string, what: string, source?: string) {
    const cause = `${describeUnwritable(cacheDir, access, source)}; ${PROBLEMS[access].fix}`;
    super(`${describeUnwritable(cacheDir, access, source)}: model ${modelId} ${what}; ${PROBLEMS[access].fix}`);
    this.sharedCause = cause;
    this.detail = what;
  }
}

/**
 * For the commands that only read the cache (--list, --verify-only, --clean…): a cache path that is a
 * file, or a link to nowhere, holds nothing, so they would only report every model missing; this says why.
 */
export function nothingCachedThereWarning(cacheDir: string, source?: string): string | undefined {
  const access = cacheAccess(cacheDir);
  return access === "not-a-folder" || access === "broken-link" ? `${describeUnwritable(cacheDir, access, source)}, so nothing can be cached there; ${PROBLEMS[access].fix}` : undefined;
}

/** Throws UnwritableCacheError unless the cache can be written; `source` names what chose it (default cache_dir). */
export function requireWritableCache(cacheDir: string, modelId: string, what: string, source?: string): void {
  const access = cacheAccess(cacheDir);
  if (access !== "writable") throw new UnwritableCacheError(cacheDir, access, modelId, what, source);
}

/** A cache_dir that cannot be read: said once for the run, before any model is looked at. */
export class UnreachableCacheError extends ModelManagerError {
  override readonly code = "CACHE_UNREACHABLE";

  constructor(cacheDir: string, access: UnreachableAccess, source?: string) {
    super(`${describeUnwritable(cacheDir, access, source)}; ${PROBLEMS[access].fix}`);
  }
}

/** Throws UnreachableCacheError when cache_dir (or the index file in it) cannot be reached at all. */
export function requireReachableCache(cacheDir: string, source?: string): void {
  const access = unreachableReason(resolve(cacheDir));
  if (access) throw new UnreachableCacheError(cacheDir, access, source);
}

const UNREACHABLE_CODES: Readonly<Record<string, UnreachableAccess>> = { ELOOP: "link-loop", ENAMETOOLONG: "too-long" };

/** The folder itself, then a file inside it: a cache_dir just under the limit leaves no room for its files. */
function unreachableReason(cacheDir: string): UnreachableAccess | undefined {
  for (const path of [cacheDir, join(cacheDir, INDEX_FILE_NAME)]) {
    try {
      statSync(path);
    } catch (error) {
      const access = UNREACHABLE_CODES[(error as NodeJS.ErrnoException).code ?? ""];
      if (access) return access;
    }
  }
  return undefined;
}

