import type { Logger } from "../output/logger.ts";
import { cleanServerText } from "./server-text.ts";
import { withoutUrlQueries } from "./urls.ts";
import { sleep } from "../sleep.ts";
import { backoffDelayMs, isTransientError, RetryableResponseError, type RetryPolicy } from "./retry.ts";

export type RetryOptions = {
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  /** Names the operation in log lines and in the final error. */
  readonly what: string;
  readonly signal?: AbortSignal;
  /** True when the last attempt moved forward (bytes arrived); resets the failure count. */
  readonly madeProgress?: () => boolean;
  /** True when retrying `error` is pointless whatever the attempt count (the endpoint is unreachable). */
  readonly giveUp?: (error: unknown) => boolean;
  /** Ends a wait between attempts early, rejecting with its reason. */
  readonly stopWaiting?: AbortSignal;
};

/**
 * Runs `attempt` until it succeeds, a non-transient error occurs, or
 * `policy.maxAttempts` consecutive attempts fail without progress; the last
 * error is rethrown for the caller to wrap.
 */
export async function withRetries<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let failures = 0;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      if (options.signal?.aborted || !isTransientError(error) || options.giveUp?.(error)) throw error;
      failures = options.madeProgress?.() ? 1 : failures + 1;
      if (failures >= options.policy.maxAttempts) throw error;
      const serverDelay = error instanceof RetryableResponseError ? error.serverDelayMs : undefined;
      const delay = backoffDelayMs(failures, options.policy, serverDelay);
      announceWait(options, error, delay, failures + 1);
      const wake = options.stopWaiting && options.signal ? AbortSignal.any([options.signal, options.stopWaiting]) : (options.stopWaiting ?? options.signal);
      await sleep(delay, wake);
    }
  }
}

/** Waits at least this long are said at default verbosity: past it a user starts to wonder why nothing moves. */
export const ANNOUNCED_WAIT_MS = 2000;

/** One line per wait: with -v always, otherwise only when the wait is long enough to be noticed (-q silences it). */
function announceWait(options: RetryOptions, error: unknown, delayMs: number, nextAttempt: number): void {
  const seconds = delayMs >= ANNOUNCED_WAIT_MS ? `${Math.round(delayMs / 1000)} s` : `${(delayMs / 1000).toFixed(1)} s`;
  const attempt = `attempt ${nextAttempt} of ${options.policy.maxAttempts}`;
  const line =
    error instanceof RetryableResponseError && error.status === 429
      ? `rate limited by the Hub: waiting ${seconds} before retrying ${options.what} (${attempt})`
      : `${error instanceof RetryableResponseError ? error.message : describeError(error)}: retrying ${options.what} in ${seconds}, ${attempt}`;
  if (delayMs >= ANNOUNCED_WAIT_MS) options.logger.info(line);
  else options.logger.debug(line);
}

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

/** One line about a failure, safe to print: URLs lose their query (signed CDN URLs), control characters go. */
export function describeError(error: unknown): string {
  return cleanServerText(withoutUrlQueries(describeRawError(error)), 1000);
}

function describeRawError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const text = typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  if (typeof code === "string" && CERTIFICATE_ERRORS.test(code)) {
    return `${text}. The endpoint's TLS certificate is not trusted: if a private CA signs it (a mirror or a TLS-inspecting proxy), set NODE_EXTRA_CA_CERTS=/path/to/ca.pem, or NODE_USE_SYSTEM_CA=1 to trust the system's CA bundle`;
  }
  return text;
}
