/**
 * Whether the cache can be written. A cache on a read-only mount (a Docker
 * layer, a `:ro` volume) is still good for reading: runs that only read go
 * ahead without any lock file, and only work that must write is refused.
 */

import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";
import { ModelManagerError } from "../errors.ts";

export type CacheAccess = "writable" | "read-only" | "no-permission";

/** "writable" also when cache_dir does not exist yet (creating it is tried, and reported, where it happens). */
export function cacheAccess(cacheDir: string): CacheAccess {
  try {
    accessSync(resolve(cacheDir), constants.W_OK);
    return "writable";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EROFS") return "read-only";
    if (code === "EACCES" || code === "EPERM") return "no-permission";
    return "writable";
  }
}

/** Why the cache cannot be written, for messages: "cache_dir /x is read-only". */
export function describeUnwritable(cacheDir: string, access: Exclude<CacheAccess, "writable">): string {
  return `cache_dir ${resolve(cacheDir)} ${access === "read-only" ? "is read-only" : "is not writable by this user (permission denied)"}`;
}

/** Work that must write to a cache that cannot be written. */
export class UnwritableCacheError extends ModelManagerError {
  override readonly code = "CACHE_NOT_WRITABLE";

  constructor(cacheDir: string, access: Exclude<CacheAccess, "writable">, what: string) {
    super(`${describeUnwritable(cacheDir, access)}: ${what}; mount it writable, or choose another cache with --cache-dir`);
  }
}

/** Throws UnwritableCacheError unless the cache can be written. */
export function requireWritableCache(cacheDir: string, what: string): void {
  const access = cacheAccess(cacheDir);
  if (access !== "writable") throw new UnwritableCacheError(cacheDir, access, what);
}
