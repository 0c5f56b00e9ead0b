import type { Logger } from "../output/logger.ts";
import { backoffDelayMs, isTransientError, RetryableResponseError, type RetryPolicy, sleep } from "./retry.ts";

export type RetryOptions = {
  readonly policy: RetryPolicy;
  readonly logger: Logger;
  /** Names the operation in log lines and in the final error. */
  readonly what: string;
  readonly signal?: AbortSignal;
  /** True when the last attempt moved forward (bytes arrived); resets the failure count. */
  readonly madeProgress?: () => boolean;
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
      if (options.signal?.aborted || !isTransientError(error)) throw error;
      failures = options.madeProgress?.() ? 1 : failures + 1;
      if (failures >= options.policy.maxAttempts) throw error;
      const serverDelay = error instanceof RetryableResponseError ? error.serverDelayMs : undefined;
      const delay = backoffDelayMs(failures, options.policy, serverDelay);
      options.logger.debug(`retrying ${options.what} in ${(delay / 1000).toFixed(1)} s (attempt ${failures + 1} of ${options.policy.maxAttempts}): ${describeError(error)}`);
      await sleep(delay, options.signal);
    }
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
