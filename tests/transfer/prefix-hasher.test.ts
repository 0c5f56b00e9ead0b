import { describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PrefixHasher } from "../../src/transfer/prefix-hasher.ts";
import { ContentHasher } from "../../src/verify/hasher.ts";
import { gitBlobSha1, sha256Hex } from "../local-hub/index.ts";

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  crypto.getRandomValues(bytes.subarray(0, Math.min(size, 65536)));
  for (let offset = 65536; offset < size; offset += 65536) bytes.copyWithin(offset, 0, Math.min(65536, size - offset));
  return bytes;
}

describe("PrefixHasher", () => {
  test("gives the whole-file digests when pieces arrive out of order, written to disk as they come", () => {
    const content = randomBytes(3_000_000);
    const path = join(mkdtempSync(join(tmpdir(), "mm-prefix-")), "partial");
    const fd = openSync(path, "w+");
    try {
      const hasher = new PrefixHasher(fd, new ContentHasher({ sha256: true, gitSha1: true }, content.byteLength), content.byteLength);
      const pieces: Array<[number, number]> = [];
      for (let offset = 0; offset < content.byteLength; offset += 250_000) pieces.push([offset, Math.min(content.byteLength, offset + 250_000)]);
      // Deterministic shuffle: later pieces first, the first piece last.
      const order = [...pieces.slice(1).reverse(), pieces[0] as [number, number]];
      for (const [start, end] of order) {
        const piece = content.subarray(start, end);
        writeSync(fd, piece, 0, piece.byteLength, start);
        hasher.written(start, piece);
      }
      const digests = hasher.finish();
      expect(digests.sha256).toBe(sha256Hex(content));
      expect(digests.gitSha1).toBe(gitBlobSha1(content));
    } finally {
      closeSync(fd);
    }
  });

  test("hashes a resumed prefix from disk, then the rest as it arrives", () => {
    const content = randomBytes(1_000_000);
    const path = join(mkdtempSync(join(tmpdir(), "mm-prefix-")), "partial");
    const fd = openSync(path, "w+");
    try {
      writeSync(fd, content.subarray(0, 400_000), 0, 400_000, 0);
      const hasher = new PrefixHasher(fd, new ContentHasher({ sha256: true, gitSha1: false }, content.byteLength), content.byteLength);
      hasher.alreadyOnDisk(0, 400_000);
      expect(hasher.hashedBytes).toBe(400_000);
      const rest = content.subarray(400_000);
      writeSync(fd, rest, 0, rest.byteLength, 400_000);
      hasher.written(400_000, rest);
      expect(hasher.finish().sha256).toBe(sha256Hex(content));
    } finally {
      closeSync(fd);
    }
  });

  test("refuses to produce a digest for a file with a hole", () => {
    const path = join(mkdtempSync(join(tmpdir(), "mm-prefix-")), "partial");
    const fd = openSync(path, "w+");
    try {
      const hasher = new PrefixHasher(fd, new ContentHasher({ sha256: true, gitSha1: false }, 10), 10);
      hasher.written(5, new Uint8Array(5));
      expect(() => hasher.finish()).toThrow("hashed 0 of 10 bytes");
    } finally {
      closeSync(fd);
    }
  });
});
