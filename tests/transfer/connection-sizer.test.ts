import { describe, expect, test } from "bun:test";
import { ConnectionSizer, SLOW_CONNECTION_BYTES_PER_SECOND } from "../../src/transfer/connection-sizer.ts";

const slow = SLOW_CONNECTION_BYTES_PER_SECOND / 2;
const fast = SLOW_CONNECTION_BYTES_PER_SECOND * 2;

describe("ConnectionSizer", () => {
  test("starts with half the allowance and opens the rest once the first connections turn out slow", () => {
    const sizer = new ConnectionSizer(16, 80);
    expect(sizer.initial).toBe(8);
    for (let index = 0; index < 7; index++) expect(sizer.observe(slow)).toBe(0);
    expect(sizer.observe(slow)).toBe(8);
    expect(sizer.observe(slow)).toBe(0);
  });

  test("keeps half when the connections are fast (the cores, not the link, are the limit)", () => {
    const sizer = new ConnectionSizer(16, 80);
    const added = [fast, fast, slow, fast, fast, fast, slow, fast].map((rate) => sizer.observe(rate));
    expect(added.reduce((a, b) => a + b, 0)).toBe(0);
  });

  test("decides on the median, not on one outlier", () => {
    const sizer = new ConnectionSizer(4, 40);
    expect(sizer.initial).toBe(2);
    expect(sizer.observe(slow)).toBe(0);
    expect(sizer.observe(fast)).toBe(0); // median of [slow, fast] is fast
  });

  test("a file with no more pieces than the first connections never grows", () => {
    const sizer = new ConnectionSizer(16, 8);
    expect([slow, slow, slow, slow, slow, slow, slow, slow].map((rate) => sizer.observe(rate))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test("an allowance of one connection stays one", () => {
    const sizer = new ConnectionSizer(1, 10);
    expect(sizer.initial).toBe(1);
    expect(sizer.observe(slow)).toBe(0);
  });
});
