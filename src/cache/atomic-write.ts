/**
 * Replace a file so that readers (and a crash) see either the old or the new
 * content, never a mix: temp file in the same directory, fsync, rename, fsync the directory.
 */

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** `mode` is the new file's permissions (0o600 for a secret: never readable by others, not even while written). */
export function writeFileAtomic(path: string, data: string | Uint8Array, { mode = 0o644 }: { readonly mode?: number } = {}): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
  const fd = openSync(temp, "wx", mode);
  try {
    try {
      for (let offset = 0; offset < bytes.byteLength; ) offset += writeSync(fd, bytes, offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  fsyncDirectory(dirname(path));
}

/** Makes a rename or unlink in `dir` durable. Some filesystems refuse to fsync a directory; that is not fatal. */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL/EPERM on some network and FUSE filesystems: nothing more we can do.
  } finally {
    closeSync(fd);
  }
}
