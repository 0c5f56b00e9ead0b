import { DownloadError } from "../errors.ts";
import type { StallWatchdog, WatchHandle } from "./watchdog.ts";

/** An API answer that did not arrive within the time its call may take, all attempts together. */
export class ServerTooSlowError extends DownloadError {
  override readonly code = "SERVER_TOO_SLOW";
}

/**
 * The time one API call (a revision, a tree page) may spend in requests,
 * all its attempts together. A server trickling its answer a byte at a time
 * never stalls, so without this it would cost the deadline once per retry.
 * Waits between attempts (backoff, rate limits) are not counted: they are
 * announced, and a server asking for them is not slow.
 */
export class CallBudget {
  private spentMs = 0;
  private started = 0;

  constructor(readonly totalMs: number) {}

  /** Watches one attempt, whose deadline is what is left; releasing it counts the time it took. */
  watch(watchdog: StallWatchdog, signal: AbortSignal | undefined): WatchHandle {
    this.started++;
    const began = performance.now();
    const handle = watchdog.watch(signal, Math.max(0, this.totalMs - this.spentMs));
    let released = false;
    return {
      signal: handle.signal,
      touch: handle.touch,
      release: () => {
        if (!released) this.spentMs += performance.now() - began;
        released = true;
        handle.release();
      },
    };
  }

  get spent(): boolean {
    return this.spentMs >= this.totalMs;
  }

  get attempts(): number {
    return this.started;
  }
}
