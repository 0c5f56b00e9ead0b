import { describe, expect, test } from "bun:test";
import { GcPacer } from "../../src/transfer/gc-pacer.ts";

const MiB = 1024 * 1024;

/** A pacer over a simulated resident set: each received byte adds `garbagePerByte`, a collection frees all garbage. */
function simulated(live: number, garbagePerByte = 1) {
  let garbage = 0;
  const collections: number[] = [];
  let received = 0;
  const pacer = new GcPacer({
    everyBytes: 64 * MiB,
    rssTarget: 150 * MiB,
    headroom: 16 * MiB,
    checkBytes: 2 * MiB,
    rss: () => live + garbage,
    collect: () => {
      collections.push(received);
      garbage = 0;
    },
  });
  const receive = (bytes: number) => {
    for (let at = 0; at < bytes; at += MiB) {
      received += MiB;
      garbage += MiB * garbagePerByte;
      pacer.received(MiB);
    }
  };
  return { receive, collections, peak: () => live + garbage };
}

describe("GcPacer", () => {
  test("collects every everyBytes while the resident set stays under the target", () => {
    const run = simulated(40 * MiB);
    run.receive(256 * MiB);
    expect(run.collections).toEqual([64 * MiB, 128 * MiB, 192 * MiB, 256 * MiB]);
  });

  test("collects as soon as a check finds the resident set past the target", () => {
    const run = simulated(120 * MiB);
    let peak = 0;
    for (let step = 0; step < 256; step++) {
      run.receive(MiB);
      peak = Math.max(peak, run.peak());
    }
    expect(run.collections[0]).toBe(30 * MiB);
    expect(peak).toBeLessThanOrEqual(150 * MiB + 2 * MiB);
  });

  test("live memory above the target moves the trigger up instead of collecting on every check", () => {
    const run = simulated(170 * MiB);
    run.receive(64 * MiB);
    // The first check collects (170 > 150); after it the trigger is 170 + 16 MiB.
    expect(run.collections).toEqual([2 * MiB, 18 * MiB, 34 * MiB, 50 * MiB]);
  });
});
