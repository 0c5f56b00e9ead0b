import { describe, expect, test } from "bun:test";
import { ChunkCatalog, ChunkMapRecorder } from "../../../src/transfer/xet/chunk-map.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("the chunk map a download records", () => {
  test("adjacent runs of one xorb merge; another xorb starts a new run", () => {
    const recorder = new ChunkMapRecorder();
    recorder.note(A, 0, 0, [10, 10]);
    recorder.note(A, 2, 20, [10]);
    recorder.note(B, 0, 30, [5]);
    expect(recorder.merged()).toEqual([
      { xorb: A, firstChunk: 0, fileOffset: 0, lengths: [10, 10, 10] },
      { xorb: B, firstChunk: 0, fileOffset: 30, lengths: [5] },
    ]);
  });

  test("pieces of a long term that share their edge chunk: the map keeps every chunk once", () => {
    const recorder = new ChunkMapRecorder();
    // Chunks 0-3 of xorb A (10 bytes each) fetched as two pieces, both with chunk 2 (the cut fell in it).
    recorder.note(A, 2, 20, [10, 10]);
    recorder.note(A, 0, 0, [10, 10, 10]);
    expect(recorder.merged()).toEqual([{ xorb: A, firstChunk: 0, fileOffset: 0, lengths: [10, 10, 10, 10] }]);
    expect(new ChunkCatalog([{ path: "f", size: 40, mtimeMs: 1, runs: recorder.merged() }]).find(A, 3, 4)).toEqual({ path: "f", offset: 30, length: 10, lengths: [10] });
  });

  test("a run overlapping the previous one off its chunk edges is left out", () => {
    const recorder = new ChunkMapRecorder();
    recorder.note(A, 0, 0, [10, 10]);
    recorder.note(B, 0, 15, [10, 10]);
    expect(recorder.merged()).toEqual([{ xorb: A, firstChunk: 0, fileOffset: 0, lengths: [10, 10] }]);
  });
});
