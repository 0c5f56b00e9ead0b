import { describe, expect, test } from "bun:test";
import { backoffDelayMs, isRetryableStatus, isTransientError, serverRequestedDelayMs } from "../../src/hub/retry.ts";
import { StallError } from "../../src/hub/watchdog.ts";

describe("server-requested waits", () => {
  test("Retry-After in seconds", () => {
    expect(serverRequestedDelayMs(new Headers({ "retry-after": "3" }))).toBe(3000);
  });

  test("Retry-After as an HTTP date", () => {
    const now = Date.parse("2026-11-26T12:00:00Z");
    expect(serverRequestedDelayMs(new Headers({ "retry-after": "Thu, 26 Nov 2026 12:00:05 GMT" }), now)).toBe(5000);
  });

  test("RateLimit t=N when nothing remains", () => {
    expect(serverRequestedDelayMs(new Headers({ ratelimit: '"resolvers";r=0;t=7' }))).toBe(7000);
  });

  test("RateLimit with requests remaining is not a reason to wait", () => {
    expect(serverRequestedDelayMs(new Headers({ ratelimit: '"resolvers";r=2999;t=172' }))).toBeUndefined();
  });

  test("an absurd wait is capped at five minutes", () => {
    expect(serverRequestedDelayMs(new Headers({ "retry-after": "86400" }))).toBe(300_000);
  });
});

describe("what is retried", () => {
  test("408, 429 and 5xx are retried; 4xx answers are not", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 416]) expect(isRetryableStatus(status)).toBe(false);
  });

  test("resets, refused connections and stalls are transient; programming errors are not", () => {
    expect(isTransientError(Object.assign(new Error("socket closed"), { code: "ECONNRESET" }))).toBe(true);
    expect(isTransientError(Object.assign(new TypeError("fetch failed"), { code: "ConnectionRefused" }))).toBe(true);
    expect(isTransientError(new StallError(30_000))).toBe(true);
    expect(isTransientError(new RangeError("bad index"))).toBe(false);
  });
});

describe("backoff", () => {
  const policy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 16_000 };

  test("grows exponentially within [ceiling/2, ceiling] and stays under the maximum", () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const ceiling = Math.min(16_000, 1000 * 2 ** (attempt - 1));
      for (let sample = 0; sample < 20; sample++) {
        const delay = backoffDelayMs(attempt, policy);
        expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  test("a server-requested wait is honoured, plus at most a second of jitter", () => {
    const delay = backoffDelayMs(1, policy, 4000);
    expect(delay).toBeGreaterThanOrEqual(4000);
    expect(delay).toBeLessThanOrEqual(5000);
  });
});
