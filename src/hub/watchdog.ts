/**
 * Aborts connections that deliver nothing for too long. One interval timer
 * serves every open connection: re-arming a timeout per received chunk would
 * cost a timer operation per 64 KiB at line rate.
 */

export class StallError extends Error {
  constructor(readonly idleMs: number) {
    super(`no data received for ${Math.round(idleMs / 1000)} s`);
    this.name = "StallError";
  }
}

/** A request that kept trickling bytes, so never stalled, but did not finish in time. */
export class DeadlineError extends Error {
  constructor(readonly deadlineMs: number) {
    super(`no complete answer within ${Math.round(deadlineMs / 1000)} s`);
    this.name = "DeadlineError";
  }
}

type Watched = { lastActivity: number; readonly deadline: number; readonly deadlineMs: number; controller: AbortController };

export class StallWatchdog {
  private readonly watched = new Set<Watched>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly timeoutMs: number) {}

  /**
   * Starts watching; the returned signal aborts with a StallError when the
   * connection goes quiet, or with a DeadlineError `deadlineMs` after the start.
   */
  watch(parent?: AbortSignal, deadlineMs = Number.POSITIVE_INFINITY): WatchHandle {
    const controller = new AbortController();
    const now = performance.now();
    const entry: Watched = { lastActivity: now, deadline: now + deadlineMs, deadlineMs, controller };
    const onParentAbort = () => controller.abort(parent?.reason);
    if (parent?.aborted) controller.abort(parent.reason);
    else parent?.addEventListener("abort", onParentAbort, { once: true });
    this.watched.add(entry);
    this.ensureTimer();
    return {
      signal: controller.signal,
      touch: () => {
        entry.lastActivity = performance.now();
      },
      release: () => {
        parent?.removeEventListener("abort", onParentAbort);
        this.watched.delete(entry);
        if (this.watched.size === 0) this.stopTimer();
      },
    };
  }

  private ensureTimer(): void {
    if (this.timer) return;
    const period = Math.max(50, Math.min(1000, this.timeoutMs / 4));
    this.timer = setInterval(() => this.check(), period);
    this.timer.unref?.();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = performance.now();
    for (const entry of this.watched) {
      if (entry.controller.signal.aborted) continue;
      const idle = now - entry.lastActivity;
      if (idle >= this.timeoutMs) entry.controller.abort(new StallError(idle));
      else if (now >= entry.deadline) entry.controller.abort(new DeadlineError(entry.deadlineMs));
    }
  }
}

export type WatchHandle = {
  readonly signal: AbortSignal;
  /** Call on every received chunk. */
  touch(): void;
  release(): void;
};
