import { describe, expect, test } from "bun:test";
import type { Reconstruction, Term, XorbFetch } from "../../../src/transfer/xet/reconstruction.ts";
import { planWindow, sliceOf, unitsOf } from "../../../src/transfer/xet/xet-plan.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

/** Terms of `length` bytes each, reading chunks [2i, 2i+2) of their xorb; one fetch (URL) per xorb holding one range per term. */
function reconstruction(xorbs: readonly string[], length: number, offsetIntoFirstRange = 0): Reconstruction {
  const next = new Map<string, number>();
  const terms: Term[] = xorbs.map((xorb) => {
    const start = next.get(xorb) ?? 0;
    next.set(xorb, start + 2);
    return { xorb, chunks: { start, end: start + 2 }, unpackedLength: length };
  });
  const fetches = new Map<string, XorbFetch[]>();
  for (const xorb of new Set(xorbs)) {
    const ranges = terms.filter((term) => term.xorb === xorb).map((term) => ({ chunks: term.chunks, bytes: { start: term.chunks.start * 100, end: term.chunks.end * 100 - 1 } }));
    fetches.set(xorb, [{ url: `https://cas.example/${xorb}`, ranges }]);
  }
  return { offsetIntoFirstRange, terms, fetches };
}

const never = () => false;

describe("units cut along a Xet reconstruction", () => {
  test("one unit per xorb request, in file order", () => {
    const window = planWindow(0, 600, reconstruction([A, A, B, B, A, A], 100), 600, "f");
    // A's third term comes after B's: a request reads a xorb forward only, so it is a unit of its own.
    expect(unitsOf(window, 10_000, never, "f")).toEqual([
      [0, 200],
      [200, 400],
      [400, 600],
    ]);
  });

  test("a unit holds at most maxUnitBytes; a larger term is split evenly", () => {
    const window = planWindow(0, 1000, reconstruction([A, A, A, B], 250), 1000, "f");
    expect(unitsOf(window, 500, never, "f")).toEqual([
      [0, 500],
      [500, 750],
      [750, 1000],
    ]);
    const big = planWindow(0, 900, reconstruction([A], 900), 900, "f");
    expect(unitsOf(big, 400, never, "f")).toEqual([
      [0, 300],
      [300, 600],
      [600, 900],
    ]);
  });

  test("terms copied from the cache form units of their own", () => {
    const recon = reconstruction([A, A, A, A], 100);
    const window = planWindow(0, 400, recon, 400, "f");
    const local = (term: Term) => term.chunks.start === 2 || term.chunks.start === 4;
    expect(unitsOf(window, 10_000, local, "f")).toEqual([
      [0, 100],
      [100, 300],
      [300, 400],
    ]);
  });

  test("a window starting inside a term: the first unit starts there", () => {
    const window = planWindow(150, 400, reconstruction([A, B, B], 100, 50), 400, "f");
    expect(unitsOf(window, 10_000, never, "f")).toEqual([
      [150, 200],
      [200, 400],
    ]);
  });
});

describe("serving a unit from the plan", () => {
  const window = planWindow(0, 400, reconstruction([A, A, B, B], 100), 400, "f");

  test("a range starting at a term is served with that term first", () => {
    const slice = sliceOf(window, 200, 400)!;
    expect(slice.offsetIntoFirstRange).toBe(0);
    expect(slice.terms.map((term) => [term.xorb, term.chunks.start])).toEqual([
      [B, 0],
      [B, 2],
    ]);
  });

  test("a range starting or ending inside a term, or past the window, is asked of the CAS", () => {
    expect(sliceOf(window, 250, 400)).toBeUndefined();
    expect(sliceOf(window, 200, 350)).toBeUndefined();
    expect(sliceOf(window, 200, 500)).toBeUndefined();
  });

  test("the window's end may fall inside its last term (the CAS answered whole chunks)", () => {
    const window = planWindow(0, 350, reconstruction([A, A, B, B], 100), 1000, "f");
    expect(sliceOf(window, 300, 350)!.terms.map((term) => [term.xorb, term.chunks.start])).toEqual([[B, 2]]);
  });

  test("a range whose xorb range other terms also read is asked of the CAS", () => {
    const shared = reconstruction([A, B], 100);
    const sameChunks: Reconstruction = { ...shared, terms: [...shared.terms, shared.terms[0]!] };
    const repeated = planWindow(0, 300, sameChunks, 300, "f");
    expect(sliceOf(repeated, 0, 100)).toBeUndefined();
    expect(sliceOf(repeated, 100, 200)).toBeDefined();
  });

  test("announced lengths that do not add up to the file refuse the plan", () => {
    expect(() => planWindow(0, 401, reconstruction([A, A, B, B], 100), 401, "f")).toThrow(/end at byte 400, short of byte 401/);
    expect(() => planWindow(0, 399, reconstruction([A, A, B, B], 100), 399, "f")).toThrow(/end at byte 400, past the end of the file \(399 bytes\)/);
    // Past an inner window's end is allowed (the last term holds it), past the file's end never.
    expect(() => planWindow(0, 300, reconstruction([A, A, B, B], 100), 399, "f")).toThrow(/end at byte 400, past the end of the file/);
    expect(planWindow(0, 399, reconstruction([A, A, B, B], 100), 1000, "f").end).toBe(399);
  });
});
