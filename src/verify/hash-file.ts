/**
 * Hash a file from disk in one sequential pass. Reads are double-buffered
 * (the next read is in flight while the current chunk is hashed): measured
 * ~950 MiB/s from page cache against ~780 MiB/s for readSync and ~650 MiB/s
 * for `Bun.file().stream()` on the 2-vCPU reference VM.
 */

import { open } from "node:fs/promises";
import { type ContentDigests, ContentHasher, type HashKinds } from "./hasher.ts";

const READ_CHUNK_BYTES = 4 * 1024 * 1024;

export type HashFileOptions = {
  /** Called after each chunk with the number of bytes just hashed. */
  onBytes?: (bytes: number) => void;
  /** Checked between chunks. */
  signal?: AbortSignal;
};

/**
 * `expectedSize` goes into the git blob header; without it the size found on
 * disk is used. Compare `bytes` with the expected size before trusting `gitSha1`.
 */
export async function hashFile(path: string, kinds: HashKinds, expectedSize?: number, options: HashFileOptions = {}): Promise<ContentDigests> {
  const handle = await open(path, "r");
  let pending: Promise<{ bytesRead: number }> | undefined;
  try {
    const size = expectedSize ?? (await handle.stat()).size;
    const hasher = new ContentHasher(kinds, size);
    const bufferBytes = Math.min(READ_CHUNK_BYTES, Math.max(64 * 1024, size));
    let current = Buffer.allocUnsafe(bufferBytes);
    let spare = Buffer.allocUnsafe(bufferBytes);
    pending = handle.read(current, 0, bufferBytes, null);
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      options.signal?.throwIfAborted();
      const filled = current;
      [current, spare] = [spare, current];
      pending = handle.read(current, 0, bufferBytes, null);
      hasher.update(filled.subarray(0, bytesRead));
      options.onBytes?.(bytesRead);
    }
    return hasher.digest();
  } finally {
    // Never close the handle under a read still in flight.
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
