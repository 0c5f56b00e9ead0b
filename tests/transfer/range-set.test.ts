import { describe, expect, test } from "bun:test";
import { ContiguousPrefix, RangeSet, splitIntoChunks } from "../../src/transfer/range-set.ts";

describe("RangeSet", () => {
  test("merges touching and overlapping ranges and keeps them sorted", () => {
    const set = new RangeSet();
    set.add(10, 20);
    set.add(0, 5);
    set.add(5, 10);
    set.add(30, 40);
    set.add(35, 50);
    expect(set.toJSON()).toEqual([
      [0, 20],
      [30, 50],
    ]);
    expect(set.totalBytes).toBe(40);
  });

  test("reports the gaps of a file and whether it is complete", () => {
    const set = new RangeSet([
      [0, 10],
      [20, 30],
    ]);
    expect(set.missing(40)).toEqual([
      [10, 20],
      [30, 40],
    ]);
    expect(set.covers(40)).toBe(false);
    set.add(10, 20);
    set.add(30, 40);
    expect(set.covers(40)).toBe(true);
  });

  test("ignores empty ranges", () => {
    const set = new RangeSet();
    set.add(5, 5);
    expect(set.toJSON()).toEqual([]);
    expect(set.missing(3)).toEqual([[0, 3]]);
  });

  test("takeCovering removes the range that contains an offset", () => {
    const set = new RangeSet([
      [0, 10],
      [20, 30],
    ]);
    expect(set.takeCovering(25)).toEqual([20, 30]);
    expect(set.takeCovering(15)).toBeUndefined();
    expect(set.toJSON()).toEqual([[0, 10]]);
  });
});

describe("splitIntoChunks", () => {
  test("cuts gaps into pieces of at most the chunk size", () => {
    expect(
      splitIntoChunks(
        [
          [0, 25],
          [40, 45],
        ],
        10,
      ),
    ).toEqual([
      [0, 10],
      [10, 20],
      [20, 25],
      [40, 45],
    ]);
  });
});

describe("ContiguousPrefix", () => {
  test("grows only from 0, taking in the pieces that waited beyond it, span by span", () => {
    const prefix = new ContiguousPrefix();
    expect(prefix.add(10, 20)).toEqual([]);
    expect(prefix.add(25, 30)).toEqual([]);
    expect(prefix.length).toBe(0);
    expect(prefix.add(0, 10)).toEqual([
      [0, 10],
      [10, 20],
    ]);
    expect(prefix.add(20, 25)).toEqual([
      [20, 25],
      [25, 30],
    ]);
    expect(prefix.length).toBe(30);
    expect(prefix.add(5, 15)).toEqual([]);
    expect(prefix.length).toBe(30);
  });
});
