import { sleep } from "../sleep.ts";

/** Below this many requests left in the window, requests are spread over what remains of it. */
const FEW_REQUESTS_LEFT = 20;

/** The longest pause taken on the Hub's word, as for Retry-After. */
const MAX_PAUSE_MS = 5 * 60_000;

type Bucket = { intervalMs: number; nextAt: number; announcedUntil: number };

/**
 * Slows down before a 429 rather than after: the Hub's `RateLimit:
 * "<bucket>";r=<left>;t=<seconds to reset>` header says how many requests
 * remain, and when few do, the next ones are spaced so the window is not
 * exhausted. Buckets are the Hub's ("api", "resolvers"), told apart by path.
 */
export class RateLimitPacer {
  private readonly buckets = new Map<string, Bucket>();

  /** Learns from a Hub response's headers. */
  observe(headers: Headers, now = performance.now()): void {
    const match = /^\s*"?([^";]+)"?\s*;.*\br=(\d+)\s*;.*\bt=(\d+)/.exec(headers.get("ratelimit") ?? "");
    if (!match) return;
    const [, name = "", left, reset] = match;
    const remaining = Number(left);
    const bucket = this.buckets.get(name) ?? { intervalMs: 0, nextAt: 0, announcedUntil: 0 };
    if (remaining >= FEW_REQUESTS_LEFT) {
      bucket.intervalMs = 0;
      bucket.nextAt = 0;
    } else {
      bucket.intervalMs = Math.min(MAX_PAUSE_MS, (Number(reset) * 1000) / (remaining + 1));
      bucket.nextAt = Math.max(bucket.nextAt, now + bucket.intervalMs);
    }
    this.buckets.set(name, bucket);
  }

  /**
   * Waits until a request to `url` may go; `announce` is told of a pause long
   * enough to be noticed, once per pause.
   */
  async pace(url: string, signal: AbortSignal | undefined, announce: (bucket: string, pauseMs: number) => void): Promise<void> {
    const name = bucketOf(url);
    const bucket = this.buckets.get(name);
    if (!bucket || bucket.intervalMs === 0) return;
    const now = performance.now();
    const at = Math.max(now, bucket.nextAt);
    bucket.nextAt = at + bucket.intervalMs;
    if (at <= now) return;
    if (at > bucket.announcedUntil) {
      announce(name, at - now);
      bucket.announcedUntil = bucket.nextAt;
    }
    await sleep(at - now, signal);
  }
}

/** The Hub's bucket for a request: its JSON API, or the file resolvers. */
function bucketOf(url: string): string {
  const path = new URL(url).pathname;
  return path.includes("/api/") && !path.includes("/api/resolve-cache/") ? "api" : "resolvers";
}
