import type { ModelsConfig } from "../config/types.ts";
import { HfLayout } from "./hf.ts";
import { PlainLayout } from "./plain.ts";
import type { CacheLayout } from "./types.ts";

export type { CacheLayout, FileRoot, LayoutKind, ModelPlacement, RemovalResult, RemovalTarget, StoredFile } from "./types.ts";
export { LAYOUTS } from "./types.ts";
export { pathTargets } from "./removal.ts";
export { folderRoot, lexicalPath, locate } from "./file-root.ts";

/**
 * A cache folder (plain layout), or the cache settings of a configuration; its `path` (the configuration
 * file) tells which of the entries that configuration files recorded for a model id are its own.
 */
export type CacheLocation = string | Pick<ModelsConfig, "cacheDir" | "cacheDirSource" | "layout" | "path">;

/** The configuration file of a cache location, when it names one. */
export function configPathOf(where: CacheLocation): string | undefined {
  return typeof where === "string" ? undefined : where.path;
}

/** How messages name what chose the cache ("--cache-dir", "HF_HUB_CACHE"…) when the file's cache_dir did not. */
export function cacheDirSourceOf(where: CacheLocation): string | undefined {
  return typeof where === "string" ? undefined : where.cacheDirSource;
}

/** The layout a configuration asks for; its cacheDir is already the hub cache folder for `hf` (see src/config/normalise.ts). */
export function cacheLayout(where: CacheLocation): CacheLayout {
  if (typeof where === "string") return new PlainLayout(where);
  return where.layout === "hf" ? new HfLayout(where.cacheDir) : new PlainLayout(where.cacheDir);
}
