/**
 * Which files on disk belong to which model, by the index. Folders move between
 * models (a local_dir change, a second configuration sharing the cache), so a
 * model removes only what it recorded itself and no other model records now.
 */

import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import type { IndexEntry } from "../cache/index-schema.ts";
import { lstatExisting, resolveInside } from "../cache/layout.ts";

/** Absolute path of a file as the index records it (lexical: for comparing, not for opening). */
export function recordedPath(cacheDir: string, localDir: string, path: string): string {
  return join(resolve(cacheDir), ...localDir.split("/"), ...path.split("/"));
}

/** Absolute paths of every file `others` record (other models, or the model for other configuration files: see entriesBesides). */
export function filesOfOtherModels(cacheDir: string, others: readonly IndexEntry[]): Set<string> {
  const paths = new Set<string>();
  for (const entry of others) {
    for (const file of entry.files) paths.add(recordedPath(cacheDir, entry.localDir, file.path));
  }
  return paths;
}

export type Removal = { readonly removed: readonly string[]; readonly bytes: number; readonly kept: readonly string[] };

/**
 * Removes the files at `paths` (relative to `root`) except those in `protect`
 * (absolute), then the folders this left empty. Only regular files and links
 * are removed (a link itself, never its target); a folder at a file's path is left alone.
 */
export function removeFilesExcept(root: string, paths: readonly string[], protect: ReadonlySet<string>, source: string): Removal {
  const removed: string[] = [];
  const kept: string[] = [];
  let bytes = 0;
  for (const path of paths) {
    const target = resolveInside(root, path, source);
    if (protect.has(target)) {
      kept.push(target);
      continue;
    }
    const stats = lstatExisting(target);
    if (!stats || stats.isDirectory()) continue;
    rmSync(target, { force: true });
    removed.push(target);
    bytes += stats.isFile() ? stats.size : 0;
    pruneEmptyParents(dirname(target), resolve(root));
  }
  return { removed, bytes, kept };
}

/**
 * Clears what the model's previous revision left where `filePath` must go, when
 * upstream turned a file into a folder of the same name or back: a file at one
 * of its parent folders, or a folder at its path that holds only such files.
 * Only paths in `removable` (the model's old files, removed anyway) are touched;
 * anything else stays, and placing the file fails with an error naming it.
 */
export function clearOldEntriesOnPath(directory: string, filePath: string, removable: ReadonlySet<string>): void {
  const segments = filePath.split("/");
  for (let depth = 1; depth < segments.length; depth++) {
    const prefix = segments.slice(0, depth).join("/");
    const stats = lstatExisting(join(directory, ...segments.slice(0, depth)));
    if (!stats) return;
    if (stats.isDirectory()) continue;
    if (removable.has(prefix)) rmSync(join(directory, ...segments.slice(0, depth)));
    return;
  }
  const target = join(directory, ...segments);
  if (!lstatExisting(target)?.isDirectory()) return;
  const inside = filesUnder(target);
  if (inside.every((path) => removable.has(`${filePath}/${path}`))) rmSync(target, { recursive: true });
}

/** True when some path of `protect` lies inside `directory`. */
export function holdsProtected(directory: string, protect: ReadonlySet<string>): boolean {
  const prefix = resolve(directory) + sep;
  for (const path of protect) if (path.startsWith(prefix)) return true;
  return false;
}

/** Every file under `directory` (relative, "/"-separated), links not followed. */
export function filesUnder(directory: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    const absolute = relative === "" ? directory : join(directory, relative);
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else found.push(child);
    }
  };
  if (existsSync(directory)) walk("");
  return found;
}

/** Removes `directory` and then each parent up to and including `stopAt`, while they are empty. */
export function pruneEmptyParents(directory: string, stopAt: string): void {
  let current = directory;
  while (current === stopAt || current.startsWith(stopAt + sep)) {
    try {
      if (readdirSync(current).length > 0) return;
      rmdirSync(current);
    } catch {
      return;
    }
    if (current === stopAt) return;
    current = dirname(current);
  }
}
