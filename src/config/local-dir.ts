import { quote } from "./describe.ts";
import { hasControlCharacter } from "./rules.ts";

/** The cache index file and the tool's state folder at the top of cache_dir (see src/cache/layout.ts). */
const RESERVED_TOP_LEVEL_NAMES = ["model-manager.lock.json", ".model-manager"];

/** NAME_MAX of ext4, XFS, btrfs and APFS: a longer folder name fails only when the first file is written. */
const MAX_NAME_BYTES = 255;

export type LocalDirResult = { readonly dir: string } | { readonly problem: string };

/**
 * Validates a model directory relative to the cache directory and normalises it to
 * "/"-separated segments without "." or "..", so `a/./b/` and `a/x/../b` both give `a/b`.
 */
export function normaliseLocalDir(localDir: string): LocalDirResult {
  if (localDir.trim() === "") return { problem: "must not be empty" };
  if (hasControlCharacter(localDir)) return { problem: "must not contain control characters" };
  if (localDir.includes("\\")) return { problem: 'must use "/" between folders, not "\\"' };
  if (localDir.startsWith("/") || /^[A-Za-z]:/.test(localDir)) {
    return { problem: "must be relative to cache_dir, not an absolute path" };
  }
  const segments = localDir.endsWith("/") ? localDir.slice(0, -1).split("/") : localDir.split("/");
  if (segments.includes("")) return { problem: 'must not contain empty path segments ("//")' };
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === ".") continue;
    if (segment === "..") {
      if (kept.length === 0) return { problem: 'must stay inside cache_dir, but ".." leads out of it' };
      kept.pop();
      continue;
    }
    kept.push(segment);
  }
  if (kept.length === 0) return { problem: "must name a folder inside cache_dir, not cache_dir itself" };
  const tooLong = kept.find((segment) => new TextEncoder().encode(segment).byteLength > MAX_NAME_BYTES);
  if (tooLong) return { problem: `has a folder name of ${new TextEncoder().encode(tooLong).byteLength} bytes; file systems allow at most ${MAX_NAME_BYTES}` };
  const top = (kept[0] ?? "").toLowerCase();
  const reserved = RESERVED_TOP_LEVEL_NAMES.find((name) => name.toLowerCase() === top);
  if (reserved) return { problem: `must not use ${quote(reserved)}, which model-manager keeps in cache_dir for itself` };
  return { dir: kept.join("/") };
}

/**
 * Key under which two directories collide: case-folded, because on the case-insensitive
 * file systems of macOS and Windows `Foo` and `foo` are the same folder, and in one Unicode
 * normal form, because APFS also takes "é" written as e + U+0301 for the single "é".
 */
export function directoryKey(dir: string): string {
  return dir.normalize("NFC").toLowerCase();
}
