/**
 * Where everything lives under a cache directory, and the one gate every
 * relative path (from the Hub or the configuration) passes before touching disk.
 *
 *   <cacheDir>/<localDir>/<repo path…>     final files
 *   <cacheDir>/model-manager.lock.json     the index
 *   <cacheDir>/.model-manager/             tool state: locks/, partial/, quarantine/, tmp/, index.lock
 */

import { existsSync, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { ModelSpec } from "../config/types.ts";
import { UnsafePathError } from "../errors.ts";

export const INDEX_FILE_NAME = "model-manager.lock.json";
const STATE_DIR_NAME = ".model-manager";

export function indexPath(cacheDir: string): string {
  return join(resolve(cacheDir), INDEX_FILE_NAME);
}

export function stateDir(cacheDir: string): string {
  return join(resolve(cacheDir), STATE_DIR_NAME);
}

/** Guards read-modify-write of the index; kept out of locks/ so no model name can collide with it. */
export function indexLockPath(cacheDir: string): string {
  return join(stateDir(cacheDir), "index.lock");
}

function locksDir(cacheDir: string): string {
  return join(stateDir(cacheDir), "locks");
}

/** Lock file for an arbitrary name (usually a model id, which may contain "/"). */
export function lockPath(cacheDir: string, name: string): string {
  return join(locksDir(cacheDir), `${safeFileName(name)}.lock`);
}

export function partialDir(cacheDir: string): string {
  return join(stateDir(cacheDir), "partial");
}

export function quarantineDir(cacheDir: string): string {
  return join(stateDir(cacheDir), "quarantine");
}

export function tmpDir(cacheDir: string): string {
  return join(stateDir(cacheDir), "tmp");
}

/**
 * Refuses tool-state folders that are links, or not folders at all: locks,
 * partial downloads and quarantined copies are written there and must never
 * land outside cache_dir (nor anywhere a link chosen by someone else points).
 * `more`: further state folders to check (a model's partial or quarantine folder).
 */
export function assertStateFoldersSafe(cacheDir: string, more: readonly string[] = []): void {
  const root = resolve(cacheDir);
  for (const path of [stateDir(root), locksDir(root), partialDir(root), quarantineDir(root), tmpDir(root), ...more]) {
    const stats = lstatSync(path, { throwIfNoEntry: false });
    if (!stats || stats.isDirectory()) continue;
    const what = stats.isSymbolicLink() ? `a symlink to ${readlinkSync(path)}` : "not a folder";
    // "the cache", not "cache_dir": HF_HUB_CACHE or --cache-dir may have chosen it, and with layout hf this is its state folder.
    throw new UnsafePathError(`the cache ${root}`, relative(root, path), `it is ${what}, but model-manager keeps its own state there and writes only inside the cache; remove it`);
  }
}

/** Absolute directory of a model's final files; refuses a local_dir that escapes the cache or overlaps tool state. */
export function modelDir(cacheDir: string, spec: Pick<ModelSpec, "id" | "localDir">): string {
  const source = `local_dir of model "${spec.id}"`;
  const first = spec.localDir.split("/")[0] ?? "";
  if (first === STATE_DIR_NAME || first.startsWith(INDEX_FILE_NAME)) {
    throw new UnsafePathError(source, spec.localDir, `"${first}" is reserved for model-manager's own files`);
  }
  // A model folder linked to another disk is the usual way in: say the way that works.
  return resolveInside(cacheDir, spec.localDir, source, "; to keep the models on another disk, point cache_dir (or --cache-dir) there, or make cache_dir itself the symlink");
}

/**
 * Why `path` is not a safe "/"-separated relative path, or undefined when it is.
 * Purely lexical; `resolveInside` adds the on-disk symlink check.
 */
export function relativePathProblem(path: string): string | undefined {
  if (typeof path !== "string" || path.length === 0) return "the path is empty";
  if (path.includes("\0")) return "the path contains a NUL byte";
  if (path.includes("\\")) return "the path contains a backslash";
  if (path.startsWith("/")) return "the path is absolute";
  if (/^[A-Za-z]:/.test(path)) return "the path starts with a drive letter";
  for (const segment of path.split("/")) {
    if (segment === "") return "the path has an empty segment";
    if (segment === "." || segment === "..") return `the path has a "${segment}" segment`;
  }
  return undefined;
}

/**
 * `root` joined with `relativePath`, or UnsafePathError when the result could land
 * outside `root`: lexically (`..`, absolute, backslash, NUL, empty segment) or
 * through a symlink already on disk that points outside (or dangles).
 * `source` names where the path came from (a repo id, "configuration") for the message.
 */
export function resolveInside(root: string, relativePath: string, source: string = root, symlinkHint = ""): string {
  const problem = relativePathProblem(relativePath);
  if (problem) throw new UnsafePathError(source, relativePath, problem);
  const absoluteRoot = resolve(root);
  const target = join(absoluteRoot, ...relativePath.split("/"));
  const symlinkProblem = symlinkEscape(absoluteRoot, relativePath.split("/"));
  if (symlinkProblem) throw new UnsafePathError(source, relativePath, symlinkProblem + symlinkHint);
  return target;
}

function symlinkEscape(root: string, segments: readonly string[]): string | undefined {
  let realRoot: string | undefined;
  let current = root;
  for (const segment of segments) {
    current = join(current, segment);
    const stats = lstatExisting(current);
    if (!stats) return undefined;
    if (!stats.isSymbolicLink()) continue;
    realRoot ??= realpathSync(root);
    let realTarget: string;
    try {
      realTarget = realpathSync(current);
    } catch {
      // Writing through a dangling link would create its target, wherever that is.
      return `"${current}" is a dangling symlink`;
    }
    if (realTarget !== realRoot && !realTarget.startsWith(realRoot + sep)) {
      return `"${current}" is a symlink to "${realTarget}", outside "${realRoot}"`;
    }
  }
  return undefined;
}

/** lstat, or undefined when nothing is there (also when a parent is a file: ENOTDIR). */
export function lstatExisting(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

/** 2026-11-26T10-04-05-123Z: an ISO time that is also a portable file name. */
export function fileStamp(date: Date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, "-");
}

/** `base`, or `base-2`, `base-3`…: the first that does not exist yet (callers hold a lock or use unique stamps). */
export function unusedPath(base: string): string {
  let candidate = base;
  for (let n = 2; existsSync(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}

const MAX_FILE_NAME = 200;

/**
 * A single, reversible-looking file name for an arbitrary string: characters
 * outside [A-Za-z0-9._-] and a leading "." are percent-encoded; very long
 * names are shortened with a hash suffix so they stay unique and under NAME_MAX.
 */
export function safeFileName(name: string): string {
  let encoded = "";
  for (const byte of new TextEncoder().encode(name)) {
    const char = String.fromCharCode(byte);
    const plain = /[A-Za-z0-9_.-]/.test(char) && !(char === "." && encoded === "");
    encoded += plain ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (encoded === "") return "%00";
  if (encoded.length <= MAX_FILE_NAME) return encoded;
  const digest = new Bun.CryptoHasher("sha256").update(name).digest("hex").slice(0, 16);
  return `${encoded.slice(0, MAX_FILE_NAME - 17)}-${digest}`;
}

/** stat through links, or undefined when it cannot be read for any reason (missing, broken link, no permission…). */
export function statExisting(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
