import { afterEach, describe, expect, test } from "bun:test";
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { createDownloadHasher, FOLLOW_MIN_BYTES } from "../../src/transfer/download-hasher.ts";
import { FollowHashPool } from "../../src/transfer/follow-pool.ts";
import { tempDir } from "../helpers/binary.ts";
import { gitBlobSha1, sha256Hex } from "../local-hub/index.ts";

const pools: FollowHashPool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
});

function newPool(workers = 1): FollowHashPool {
  const pool = new FollowHashPool(workers);
  pools.push(pool);
  return pool;
}

function content(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed;
  for (let index = 0; index < size; index++) {
    state = (state * 1103515245 + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes;
}

type Order = (offsets: number[]) => number[];

/** Writes bytes [from, size) of `bytes` at their offsets in pieces of `piece` bytes, in the given order, telling the hasher about each. */
function writePieces(fd: number, bytes: Uint8Array, piece: number, order: Order, hasher: { written(offset: number, chunk: Uint8Array): void }, from = 0): void {
  const offsets = Array.from({ length: Math.ceil((bytes.byteLength - from) / piece) }, (_, index) => from + index * piece);
  for (const offset of order(offsets)) {
    const chunk = bytes.subarray(offset, Math.min(bytes.byteLength, offset + piece));
    writeSync(fd, chunk, 0, chunk.byteLength, offset);
    hasher.written(offset, chunk);
  }
}

const inOrder: Order = (offsets) => offsets;
const reversed: Order = (offsets) => offsets.reverse();
const shuffled: Order = (offsets) =>
  offsets.map((offset, index) => ({ offset, key: (index * 7919) % 31 })).sort((a, b) => a.key - b.key).map((entry) => entry.offset);

function partialFile(): { path: string; fd: number } {
  const path = join(tempDir("mm-hasher"), "file.part");
  return { path, fd: openSync(path, "w+") };
}

describe("hashing a download on a worker that follows the partial file", () => {
  test("pieces written out of order give the sha256 and git blob sha1 of the whole file", async () => {
    const bytes = content(5 * FOLLOW_MIN_BYTES + 12345, 1);
    const { path, fd } = partialFile();
    const hasher = createDownloadHasher({ fd, path, size: bytes.byteLength, kinds: { sha256: true, gitSha1: true }, pool: newPool() });
    writePieces(fd, bytes, 300_000, shuffled, hasher);
    const digests = await hasher.finish();
    closeSync(fd);
    expect(digests).toEqual({ bytes: bytes.byteLength, sha256: sha256Hex(bytes), gitSha1: gitBlobSha1(bytes) });
  });

  test("bytes left by an earlier run are hashed from disk", async () => {
    const bytes = content(3 * FOLLOW_MIN_BYTES, 2);
    const { path, fd } = partialFile();
    const resumed = FOLLOW_MIN_BYTES + 777;
    writeSync(fd, bytes, 0, resumed, 0);
    const hasher = createDownloadHasher({ fd, path, size: bytes.byteLength, kinds: { sha256: true, gitSha1: false }, pool: newPool() });
    hasher.alreadyOnDisk(0, resumed);
    writePieces(fd, bytes, 65536, reversed, hasher, resumed);
    expect((await hasher.finish()).sha256).toBe(sha256Hex(bytes));
    closeSync(fd);
  });

  test("several files share one worker", async () => {
    const pool = newPool(1);
    const files = [content(2 * FOLLOW_MIN_BYTES, 3), content(2 * FOLLOW_MIN_BYTES + 1, 4), content(3 * FOLLOW_MIN_BYTES - 5, 5)];
    const results = await Promise.all(
      files.map(async (bytes) => {
        const { path, fd } = partialFile();
        const hasher = createDownloadHasher({ fd, path, size: bytes.byteLength, kinds: { sha256: true, gitSha1: false }, pool });
        writePieces(fd, bytes, 100_000, inOrder, hasher);
        const digests = await hasher.finish();
        closeSync(fd);
        return digests.sha256;
      }),
    );
    expect(results).toEqual(files.map(sha256Hex));
  });

  test("when the worker is gone, the file is hashed on the main thread instead", async () => {
    const bytes = content(2 * FOLLOW_MIN_BYTES, 6);
    const { path, fd } = partialFile();
    const pool = newPool();
    const fallbacks: string[] = [];
    const hasher = createDownloadHasher({ fd, path, size: bytes.byteLength, kinds: { sha256: true, gitSha1: false }, pool, onFallback: (reason) => fallbacks.push(reason) });
    writePieces(fd, bytes, 250_000, shuffled, hasher);
    pool.close();
    expect((await hasher.finish()).sha256).toBe(sha256Hex(bytes));
    expect(fallbacks).toHaveLength(1);
    closeSync(fd);
  });

  test("when no worker can start, the file is hashed on the main thread and the caller is told", async () => {
    const bytes = content(2 * FOLLOW_MIN_BYTES, 10);
    const { path, fd } = partialFile();
    const pool = newPool();
    pool.close();
    const fallbacks: string[] = [];
    const hasher = createDownloadHasher({ fd, path, size: bytes.byteLength, kinds: { sha256: true, gitSha1: false }, pool, onFallback: (reason) => fallbacks.push(reason) });
    writePieces(fd, bytes, 250_000, shuffled, hasher);
    expect((await hasher.finish()).sha256).toBe(sha256Hex(bytes));
    expect(fallbacks).toEqual(["no hash worker could start"]);
    closeSync(fd);
  });

  test("a cancelled file leaves the worker serving the others", async () => {
    const pool = newPool(1);
    const first = partialFile();
    const cancelled = createDownloadHasher({ fd: first.fd, path: first.path, size: 4 * FOLLOW_MIN_BYTES, kinds: { sha256: true, gitSha1: false }, pool });
    writePieces(first.fd, content(FOLLOW_MIN_BYTES * 2, 7), 65536, inOrder, cancelled);
    cancelled.cancel();
    closeSync(first.fd);

    const bytes = content(2 * FOLLOW_MIN_BYTES, 8);
    const second = partialFile();
    const hasher = createDownloadHasher({ fd: second.fd, path: second.path, size: bytes.byteLength, kinds: { sha256: true, gitSha1: false }, pool });
    writePieces(second.fd, bytes, 65536, inOrder, hasher);
    expect((await hasher.finish()).sha256).toBe(sha256Hex(bytes));
    closeSync(second.fd);
  });

  test("small files and runs without a pool hash on the main thread", async () => {
    for (const [size, pool] of [[FOLLOW_MIN_BYTES - 1, newPool()], [2 * FOLLOW_MIN_BYTES, undefined]] as const) {
      const bytes = content(size, 9);
      const { path, fd } = partialFile();
      const hasher = createDownloadHasher({ fd, path, size, kinds: { sha256: true, gitSha1: true }, pool });
      writePieces(fd, bytes, 70_000, shuffled, hasher);
      expect(await hasher.finish()).toEqual({ bytes: size, sha256: sha256Hex(bytes), gitSha1: gitBlobSha1(bytes) });
      closeSync(fd);
    }
  });
});
