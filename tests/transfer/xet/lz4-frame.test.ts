import { describe, expect, test } from "bun:test";
import { compress, compressBlock, compressBound } from "lz4js";
import { decodeLz4Frame } from "../../../src/transfer/xet/lz4-frame.ts";

// lz4js (a devDependency) is the reference compressor; frames with the flags it never writes
// (block checksums, content size, content checksum, small independent blocks) are assembled here
// from its compressed blocks.

function randomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Text-like data with long repeats, short periods and runs of one byte (matches that overlap their output). */
function compressibleBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  const words = ["weight", "bias", "layer.", "attention", "\u0000\u0000\u0000\u0000", "ab", "x"];
  let at = 0;
  let i = 0;
  while (at < length) {
    const word = new TextEncoder().encode(words[i % words.length]!.repeat(1 + (i % 5)));
    out.set(word.subarray(0, Math.min(word.length, length - at)), at);
    at += word.length;
    i = (i * 7 + 3) % 101;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
  return out;
}

/** Literal runs and matches of every length from 1 to 300 (both sides of the decoder's short-copy cutoff), overlapping their output or not. */
function everyCopyLength(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let length = 1; length <= 300; length++) {
    const literals = randomBytes(length, length);
    const period = 1 + (length % 8);
    parts.push(literals, literals, literals.subarray(0, period), new Uint8Array(length).map((_, i) => literals[i % period]!));
  }
  return concat(parts);
}

/** Repeats of every period from 1 to 40 and lengths from 4 to 200: every copy path of the decoder (lz4.wat), overlapping or not. */
function everyPeriod(): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let period = 1; period <= 40; period++) {
    for (const length of [4, 7, 8, 15, 16, 17, 31, 32, 33, 40, 64, 65, 200]) {
      const pattern = randomBytes(period, period * 1000 + length);
      parts.push(randomBytes(3 + (length % 5), length), new Uint8Array(period + length).map((_, i) => pattern[i % period]!));
    }
  }
  return concat(parts);
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** A frame holding one compressed block given byte by byte (no checksums). */
function oneBlockFrame(block: readonly number[]): Uint8Array {
  return Uint8Array.from([...u32(0x184d2204), 0x60, 0x40, 0, ...u32(block.length), ...block, ...u32(0)]);
}

/** A frame of independently compressed blocks of `blockSize`, with the optional fields switched on by `flags`. */
function assembleFrame(data: Uint8Array, blockSize: number, options: { blockChecksum?: boolean; contentSize?: boolean; contentChecksum?: boolean }): Uint8Array {
  let flags = 0x40 | 0x20;
  if (options.blockChecksum) flags |= 0x10;
  if (options.contentSize) flags |= 0x08;
  if (options.contentChecksum) flags |= 0x04;
  const parts: number[] = [...u32(0x184d2204), flags, 0x40];
  if (options.contentSize) parts.push(...u32(data.length), 0, 0, 0, 0);
  parts.push(0xaa); // header checksum: not checked by the decoder
  for (let at = 0; at < data.length; at += blockSize) {
    const block = data.subarray(at, Math.min(at + blockSize, data.length));
    const out = new Uint8Array(compressBound(block.length));
    const size = compressBlock(block, out, 0, block.length, new Uint32Array(1 << 16));
    if (size === 0 || size >= block.length) parts.push(...u32(0x80000000 | block.length), ...block);
    else parts.push(...u32(size), ...out.subarray(0, size));
    if (options.blockChecksum) parts.push(...u32(0xdeadbeef));
  }
  parts.push(...u32(0));
  if (options.contentChecksum) parts.push(...u32(0x12345678));
  return Uint8Array.from(parts);
}

describe("decodeLz4Frame against lz4js frames", () => {
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["one byte", Uint8Array.of(7)],
    ["random 64 KiB (stored uncompressed)", randomBytes(64 * 1024)],
    ["compressible 128 KiB", compressibleBytes(128 * 1024)],
    ["a run of one byte (offset-1 matches)", new Uint8Array(100_000).fill(0x41)],
    ["literals and matches of every length from 1 to 300", everyCopyLength()],
    ["matches of every period from 1 to 40", everyPeriod()],
    ["compressible 9 MiB: three linked 4 MiB blocks", compressibleBytes(9 * 1024 * 1024 + 123)],
  ];
  for (const [name, data] of cases) {
    test(name, () => {
      const frame = compress(data);
      expect(Buffer.from(decodeLz4Frame(frame, data.length)).equals(Buffer.from(data))).toBe(true);
    });
  }
});

describe("decodeLz4Frame with the optional frame fields", () => {
  const data = compressibleBytes(200_000);
  const mixed = new Uint8Array([...compressibleBytes(50_000), ...randomBytes(30_000, 9), ...compressibleBytes(20_000)]);
  for (const options of [{}, { blockChecksum: true }, { contentSize: true }, { contentChecksum: true }, { blockChecksum: true, contentSize: true, contentChecksum: true }]) {
    test(`independent 64 KiB blocks, ${JSON.stringify(options)}`, () => {
      expect(Buffer.from(decodeLz4Frame(assembleFrame(data, 65_536, options), data.length)).equals(Buffer.from(data))).toBe(true);
      expect(Buffer.from(decodeLz4Frame(assembleFrame(mixed, 16_384, options), mixed.length)).equals(Buffer.from(mixed))).toBe(true);
    });
  }
});

describe("decodeLz4Frame's target", () => {
  test("writes exactly the decoded bytes into `into`, nothing around it, and un-groups ByteGrouping4", () => {
    const data = everyCopyLength();
    const around = new Uint8Array(data.length + 100).fill(0xee);
    const into = around.subarray(50, 50 + data.length);
    expect(decodeLz4Frame(compress(data), data.length, { into })).toBe(into);
    expect(Buffer.from(into).equals(Buffer.from(data))).toBe(true);
    expect([...around.subarray(0, 50), ...around.subarray(50 + data.length)].every((byte) => byte === 0xee)).toBe(true);
    const grouped = Uint8Array.of(0, 4, 8, 1, 5, 9, 2, 6, 3, 7);
    expect([...decodeLz4Frame(compress(grouped), grouped.length, { byteGrouping4: true })]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  test("a frame in parts (as it spans network chunks), cut anywhere, also inside its header", () => {
    const data = everyCopyLength();
    const frame = compress(data);
    for (const cuts of [[1], [5, 6, 7], [11, 100, 101], [frame.length - 3], [4, 1000, 20_000, 20_001, frame.length - 1]]) {
      const parts = [0, ...cuts].map((at, index, all) => frame.subarray(at, all[index + 1] ?? frame.length));
      expect(Buffer.from(decodeLz4Frame(parts, data.length)).equals(Buffer.from(data))).toBe(true);
    }
  });
  test("a small frame after a large one (the decoder's memory grew) and the large one again", () => {
    const small = compressibleBytes(1000);
    const large = compressibleBytes(5 * 1024 * 1024);
    for (const data of [small, large, small, large]) expect(Buffer.from(decodeLz4Frame(compress(data), data.length)).equals(Buffer.from(data))).toBe(true);
  });
});

describe("decodeLz4Frame refuses damaged frames", () => {
  const data = compressibleBytes(10_000);
  const frame = compress(data);

  test("a wrong magic number", () => {
    const bad = frame.slice();
    bad[0] = 0;
    expect(() => decodeLz4Frame(bad, data.length)).toThrow(/bad magic/);
  });
  test("a frame cut short", () => {
    expect(() => decodeLz4Frame(frame.subarray(0, frame.length - 10), data.length)).toThrow(/cut short|past the end/);
  });
  test("a decoded length other than announced, either way", () => {
    expect(() => decodeLz4Frame(frame, data.length - 1)).toThrow(/more bytes than announced/);
    expect(() => decodeLz4Frame(frame, data.length + 1)).toThrow(/decodes to 10000 bytes, 10001 announced/);
  });
  test("a match that points before the start of the output", () => {
    // token: 1 literal, match length 4; literal "a"; offset 2 (only 1 byte written so far)
    const block = [0x10, 0x61, 0x02, 0x00, 0x00];
    expect(() => decodeLz4Frame(oneBlockFrame(block), 5)).toThrow(/before the start/);
  });
  test("a block cut short in a length or an offset", () => {
    const frameOf = (block: number[], length: number) => decodeLz4Frame(oneBlockFrame(block), length);
    expect(() => frameOf([0xf0], 20)).toThrow(/literal length cut short/);
    expect(() => frameOf([0xf0, 255], 300)).toThrow(/literal length cut short/);
    expect(() => frameOf([0x1f, 0x61, 0x01, 0x00], 30)).toThrow(/match length cut short/);
    expect(() => frameOf([0x10, 0x61, 0x01], 5)).toThrow(/match offset cut short/);
    expect(() => frameOf([0x50, 0x61], 5)).toThrow(/literals run past the end/);
  });
  test("a match running past the announced length, with more of the block after it", () => {
    // 16 literals and a 4-byte match (20 bytes), an 18-byte match where 8 bytes are left, then 40 literals.
    const literals = Array.from(randomBytes(16));
    const block = [0xf0, 0x01, ...literals, 0x10, 0x00, 0x0e, 0x10, 0x00, 0xf0, 25, ...randomBytes(40)];
    expect(() => decodeLz4Frame(oneBlockFrame(block), 28)).toThrow(/more bytes than announced/);
  });
  test("an unsupported version or a dictionary", () => {
    const version = frame.slice();
    version[4] = 0x80;
    expect(() => decodeLz4Frame(version, data.length)).toThrow(/version/);
    const dictionary = frame.slice();
    dictionary[4] = 0x41;
    expect(() => decodeLz4Frame(dictionary, data.length)).toThrow(/dictionary/);
  });
});
