import { describe, expect, test } from "bun:test";
import { decodeChunkPayload, decodeXorbChunks, readChunkHeader, regroupBytes4 } from "../../../src/transfer/xet/xorb-chunks.ts";
import { type ChunkScheme, encodeChunk, groupBytes4 } from "../../local-hub/xorb-writer.ts";

function weightsLike(length: number, seed: number): Uint8Array {
  const floats = new Float32Array(Math.ceil(length / 4));
  for (let i = 0; i < floats.length; i++) floats[i] = Math.round(Math.sin(i * 0.013 + seed) * 32) / 32;
  return new Uint8Array(floats.buffer).slice(0, length);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

describe("ByteGrouping4", () => {
  test("matches the layout by hand: group g holds bytes g, g+4, …", () => {
    const plain = Uint8Array.from({ length: 10 }, (_, i) => i);
    expect([...groupBytes4(plain)]).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 3, 7]);
    expect([...regroupBytes4(Uint8Array.of(0, 4, 8, 1, 5, 9, 2, 6, 3, 7))]).toEqual([...plain]);
  });
  test("round-trips every length remainder and short length", () => {
    // Up to 130 bytes: both sides of 64, where lz4.wat starts un-grouping 16 words at a time.
    for (const length of [...Array.from({ length: 131 }, (_, i) => i), 65_537, 131_072]) {
      const plain = weightsLike(length, length);
      expect(Buffer.from(regroupBytes4(groupBytes4(plain))).equals(Buffer.from(plain))).toBe(true);
    }
  });
});

describe("decodeXorbChunks", () => {
  const plains = [weightsLike(65_536, 1), weightsLike(131_071, 2), weightsLike(40_003, 3), weightsLike(1, 4)];
  for (const scheme of ["none", "lz4", "bg4-lz4"] as ChunkScheme[]) {
    test(`chunks stored as ${scheme}`, () => {
      const range = concat(plains.map((plain) => encodeChunk(plain, scheme)));
      const decoded = decodeXorbChunks(range, plains.length);
      expect(decoded.map((chunk) => Buffer.from(chunk).toString("hex"))).toEqual(plains.map((plain) => Buffer.from(plain).toString("hex")));
    });
  }
  test("a chunk's payload in parts (as it spans network chunks), each scheme, into a target or not", () => {
    for (const scheme of ["none", "lz4", "bg4-lz4"] as ChunkScheme[]) {
      const encoded = encodeChunk(plains[1]!, scheme);
      const payload = encoded.subarray(8);
      const parts = [payload.subarray(0, 3), payload.subarray(3, 3), payload.subarray(3, 70_000), payload.subarray(70_000)];
      const header = readChunkHeader(encoded, 0);
      expect(Buffer.from(decodeChunkPayload(header, parts)).equals(Buffer.from(plains[1]!))).toBe(true);
      expect(Buffer.from(decodeChunkPayload(header, parts, new Uint8Array(plains[1]!.length))).equals(Buffer.from(plains[1]!))).toBe(true);
    }
  });
  test("a range mixing the three schemes", () => {
    const schemes: ChunkScheme[] = ["bg4-lz4", "none", "lz4", "bg4-lz4"];
    const range = concat(plains.map((plain, i) => encodeChunk(plain, schemes[i]!)));
    expect(Buffer.from(concat(decodeXorbChunks(range, 4))).equals(Buffer.from(concat(plains)))).toBe(true);
  });
  test("refuses a range cut short, with bytes left over, or with an unknown version or scheme", () => {
    const range = concat(plains.map((plain) => encodeChunk(plain, "lz4")));
    expect(() => decodeXorbChunks(range.subarray(0, range.length - 1), 4)).toThrow(/cut short inside chunk 3 of 4/);
    expect(() => decodeXorbChunks(range.subarray(0, 5), 1)).toThrow(/cut short inside a chunk header/);
    expect(() => decodeXorbChunks(range, 3)).toThrow(/bytes after its 3 chunks/);
    const version = range.slice();
    version[0] = 1;
    expect(() => decodeXorbChunks(version, 4)).toThrow(/chunk version 1/);
    const scheme = range.slice();
    scheme[4] = 3;
    expect(() => decodeXorbChunks(scheme, 4)).toThrow(/compression scheme 3/);
  });
  test("refuses a chunk whose header disagrees with its payload's decoded length", () => {
    const chunk = encodeChunk(plains[0]!, "lz4");
    chunk[5] = (chunk[5]! + 1) & 0xff;
    expect(() => decodeXorbChunks(chunk, 1)).toThrow(/announced/);
  });
});
