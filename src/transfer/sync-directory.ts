import { closeSync, fsyncSync, openSync } from "node:fs";

/** Makes a rename inside `directory` durable. Not possible on every platform: best effort there. */
export function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, "r");
    fsyncSync(fd);
  } catch {
    // Windows cannot open directories for fsync; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
