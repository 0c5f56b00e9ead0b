import { describe, expect, test } from "bun:test";
import { checkAnswerBounds } from "../../../src/transfer/xet/answer-bounds.ts";
import type { Reconstruction, Term, XorbFetch } from "../../../src/transfer/xet/reconstruction.ts";
import { planWindow } from "../../../src/transfer/xet/xet-plan.ts";

const XORB = "a".repeat(64);
const KiB = 1024;

/** Terms of `lengths` bytes, each one chunk per 64 KiB (rounded up) of one xorb, its range `bytesPerTerm(length, chunks)` long. */
function answer(lengths: readonly number[], options: { offset?: number; bytesPerTerm?: (length: number, chunks: number) => number } = {}): Reconstruction {
  const bytesOf = options.bytesPerTerm ?? ((length, chunks) => length + 8 * chunks);
  let chunk = 0;
  let byte = 0;
  const terms: Term[] = [];
  const ranges: { chunks: { start: number; end: number }; bytes: { start: number; end: number } }[] = [];
  for (const length of lengths) {
    const chunks = { start: chunk, end: chunk + Math.ceil(length / (64 * KiB)) };
    const bytes = { start: byte, end: byte + bytesOf(length, chunks.end - chunks.start) - 1 };
    terms.push({ xorb: XORB, chunks, unpackedLength: length });
    ranges.push({ chunks, bytes });
    chunk = chunks.end;
    byte = bytes.end + 1;
  }
  const fetches = new Map<string, XorbFetch[]>([[XORB, [{ url: "https://cas.example/a", ranges }]]]);
  return { offsetIntoFirstRange: options.offset ?? 0, terms, fetches };
}

const check = (start: number, end: number, reconstruction: Reconstruction, fileSize = 100 * 1024 * KiB) =>
  checkAnswerBounds(planWindow(start, end, reconstruction, fileSize, "f"), "f");

describe("what a reconstruction may have the client fetch", () => {
  test("an honest answer passes: whole chunks at either end, ranges as long as the chunks and their headers", () => {
    expect(() => check(0, 1000 * KiB, answer([300 * KiB, 700 * KiB]), 1000 * KiB)).not.toThrow();
    // A range starting and ending inside chunks: the terms hold the chunks around it.
    expect(() => check(10 * KiB, 990 * KiB, answer([300 * KiB, 700 * KiB], { offset: 10 * KiB }))).not.toThrow();
    // A small file: one chunk of a few bytes.
    expect(() => check(0, 20, answer([20]), 20)).not.toThrow();
    // Chunks framed as LZ4 although incompressible (n/255 + 16 more, as the local hub's).
    expect(() => check(0, 1000 * KiB, answer([1000 * KiB], { bytesPerTerm: (length, chunks) => length + Math.ceil(length / 255) + 40 * chunks }), 1000 * KiB)).not.toThrow();
  });

  test("a first term starting before the file, or more than a chunk before the range, is refused", () => {
    expect(() => check(0, 300 * KiB, answer([301 * KiB], { offset: KiB }))).toThrow(/from byte 0 to 307200 starts its first term 1024 bytes before it, before the file/);
    expect(() => check(1024 * KiB, 1324 * KiB, answer([428 * KiB], { offset: 128 * KiB }))).toThrow(/starts its first term 131072 bytes before it, more than a chunk \(128 KiB\)/);
  });

  test("terms ending more than a chunk past the range are refused", () => {
    expect(() => check(0, 300 * KiB, answer([300 * KiB, 127 * KiB]))).not.toThrow();
    expect(() => check(0, 300 * KiB, answer([300 * KiB, 128 * KiB]))).toThrow(/ends its terms at byte 438272, more than a chunk \(128 KiB\) past it/);
  });

  test("more than one chunk per 8 KiB of terms (but one) is refused", () => {
    const oneByteTerms = answer(Array.from({ length: 3 }, () => 1));
    expect(() => check(0, 3, oneByteTerms, 3)).toThrow(/names 3 chunks for 3 bytes of terms/);
    const manyChunks: Reconstruction = { ...answer([64 * KiB]), terms: [{ xorb: XORB, chunks: { start: 0, end: 10 }, unpackedLength: 64 * KiB }] };
    expect(() => check(0, 64 * KiB, manyChunks, 64 * KiB)).toThrow(/names 10 chunks for 65536 bytes/);
  });

  test("xorb ranges holding far more bytes than the chunks their terms read are refused", () => {
    const long = answer([300 * KiB], { bytesPerTerm: () => 100 * 1024 * KiB });
    expect(() => check(0, 300 * KiB, long, 300 * KiB)).toThrow(/has its terms read 104857600 bytes of xorb ranges for 307200 bytes of chunks \(at most 309920\)/);
  });
});
