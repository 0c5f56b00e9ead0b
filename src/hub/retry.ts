/** When to retry, and how long to wait: exponential backoff with jitter, server hints first. */

export type RetryPolicy = {
  /** Consecutive failed attempts without any progress before giving up. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 16_000 };

/** The longest server-requested wait we honour before treating the request as failed. */
const MAX_SERVER_DELAY_MS = 5 * 60_000;

const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/** A response that should be retried: carries the wait the server asked for, if any. */
export class RetryableResponseError extends Error {
  constructor(
    readonly status: number,
    readonly serverDelayMs: number | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = "RetryableResponseError";
  }
}

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "EAI_AGAIN",
  "ConnectionClosed",
  "ConnectionRefused",
  "ConnectionReset",
  "UND_ERR_SOCKET",
]);

/** Network-level failures worth another attempt (as opposed to bugs or aborts by the user). */
export function isTransientError(error: unknown): boolean {
  if (error instanceof RetryableResponseError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === "StallError" || error.name === "DeadlineError" || error.name === "TimeoutError" || error.name === "TransferTooSlow") return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
  // Bun reports a body cut short or a dropped socket as a TypeError with a network message.
  return error instanceof TypeError && /socket|connection|network|closed|reset|terminated|fetch failed/i.test(error.message);
}

/** Seconds from `Retry-After` (delta or HTTP date) or `RateLimit: "…";r=0;t=N`, as milliseconds. */
export function serverRequestedDelayMs(headers: Headers, now: number = Date.now()): number | undefined {
  const rateLimit = headers.get("ratelimit");
  if (rateLimit) {
    const remaining = /(?:^|;)\s*r=(\d+)/.exec(rateLimit);
    const reset = /(?:^|;)\s*t=(\d+)/.exec(rateLimit);
    if (reset && (!remaining || remaining[1] === "0")) return clampServerDelay(Number(reset[1]) * 1000);
  }
  const retryAfter = headers.get("retry-after")?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return clampServerDelay(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : clampServerDelay(date - now);
}

function clampServerDelay(ms: number): number {
  return Math.min(Math.max(0, ms), MAX_SERVER_DELAY_MS);
}

/** Full-jitter exponential backoff, or the server's wait plus a little jitter. */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, serverDelayMs?: number): number {
  if (serverDelayMs !== undefined) return serverDelayMs + Math.random() * Math.min(1000, policy.baseDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
