import { describe, expect, test } from "bun:test";
import { balancedChunks } from "../../src/transfer/range-set.ts";

const MiB = 1024 * 1024;
const lengths = (chunks: Array<[number, number]>) => chunks.map(([start, end]) => end - start);

describe("balancedChunks", () => {
  test("a number of pieces that is a multiple of the connections, none above the chunk size", () => {
    const size = Math.round(1.2 * 1024 * MiB);
    const chunks = balancedChunks([[0, size]], 16 * MiB, 16);
    expect(chunks.length % 16).toBe(0);
    expect(Math.max(...lengths(chunks))).toBeLessThanOrEqual(16 * MiB);
    expect(chunks[0]![0]).toBe(0);
    expect(chunks.at(-1)![1]).toBe(size);
    for (let index = 1; index < chunks.length; index++) expect(chunks[index]![0]).toBe(chunks[index - 1]![1]);
  });

  test("an exact fit is left as it is", () => {
    expect(balancedChunks([[0, 64 * MiB]], 16 * MiB, 4)).toEqual([
      [0, 16 * MiB],
      [16 * MiB, 32 * MiB],
      [32 * MiB, 48 * MiB],
      [48 * MiB, 64 * MiB],
    ]);
  });

  test("pieces stay at least 1 MiB, or the chunk size when that is smaller", () => {
    expect(lengths(balancedChunks([[0, 4 * MiB]], 16 * MiB, 16))).toEqual([MiB, MiB, MiB, MiB]);
    expect(lengths(balancedChunks([[0, 2 * MiB]], 256 * 1024, 16))).toEqual(Array(8).fill(256 * 1024));
  });

  test("gaps of a resumed file are cut separately and cover exactly the gaps", () => {
    const gaps: Array<[number, number]> = [
      [0, 5 * MiB],
      [40 * MiB, 100 * MiB],
    ];
    const chunks = balancedChunks(gaps, 16 * MiB, 8);
    expect(lengths(chunks).reduce((a, b) => a + b, 0)).toBe(65 * MiB);
    for (const [start, end] of chunks) expect(gaps.some(([from, to]) => start >= from && end <= to)).toBe(true);
  });
});
