/** The Hub's informational rate-limit headers (fact sheet §5): counted per 5-minute window, never enforced. */
import type { HeaderList } from "./responses.ts";

export type RateLimitBucket = "api" | "resolvers";

const WINDOW_SECONDS = 300;
const QUOTAS: Record<RateLimitBucket, { anonymous: number; authenticated: number }> = {
  api: { anonymous: 500, authenticated: 1000 },
  resolvers: { anonymous: 3000, authenticated: 5000 },
};

export class RateLimitCounter {
  private windowStart = Date.now();
  private readonly used = new Map<string, number>();

  /** Counts one request and returns its `RateLimit` and `RateLimit-Policy` headers. */
  take(bucket: RateLimitBucket, authenticated: boolean): HeaderList {
    const now = Date.now();
    if (now - this.windowStart >= WINDOW_SECONDS * 1000) {
      this.windowStart = now;
      this.used.clear();
    }
    const key = `${bucket}:${authenticated}`;
    const used = (this.used.get(key) ?? 0) + 1;
    this.used.set(key, used);
    const quota = QUOTAS[bucket][authenticated ? "authenticated" : "anonymous"];
    const reset = Math.max(1, Math.ceil(WINDOW_SECONDS - (now - this.windowStart) / 1000));
    return rateLimitHeaders(bucket, Math.max(0, quota - used), reset, quota);
  }
}

export function rateLimitHeaders(bucket: RateLimitBucket, remaining: number, resetSeconds: number, quota = QUOTAS[bucket].anonymous): HeaderList {
  return [
    ["RateLimit", `"${bucket}";r=${remaining};t=${resetSeconds}`],
    ["RateLimit-Policy", `"fixed window";"${bucket}";q=${quota};w=${WINDOW_SECONDS}`],
  ];
}
