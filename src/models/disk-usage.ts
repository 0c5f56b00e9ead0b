import { readdirSync } from "node:fs";
import { join } from "node:path";
import { lstatExisting } from "../cache/layout.ts";

/** Bytes and files under a path (symlinks are not followed); zero when it does not exist (or a parent is a file). */
export function diskUsage(path: string): { bytes: number; files: number } {
  const stats = lstatExisting(path);
  if (!stats) return { bytes: 0, files: 0 };
  if (!stats.isDirectory()) return { bytes: stats.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(path)) {
    const inner = diskUsage(join(path, name));
    bytes += inner.bytes;
    files += inner.files;
  }
  return { bytes, files };
}
