/**
 * curl's --speed-limit/--speed-time for file bodies: a server that keeps trickling a byte now
 * and then never stalls, so the stall watchdog alone gives it no deadline. Checked as bytes
 * arrive (a body that sends nothing at all is the watchdog's), over consecutive windows of the
 * stall timeout, so a link slower than the floor for less than a whole window never trips it.
 */

import { formatRate } from "../output/format.ts";

/** A body whose rate stayed below the floor for a whole window: cut, and retried like a stall. */
export class TransferTooSlow extends Error {
  constructor(
    readonly where: string,
    readonly bytesPerSecond: number,
    readonly floor: number,
    readonly windowMs: number,
  ) {
    super(
      `${where} sent ${describeRate(bytesPerSecond)} for ${Math.round(windowMs / 1000)} s, below the floor of ${formatRate(floor)} ` +
        "(MODEL_MANAGER_MIN_SPEED, over the stall timeout HF_HUB_DOWNLOAD_TIMEOUT)",
    );
    this.name = "TransferTooSlow";
  }
}

export class LowSpeedGuard {
  private windowStart: number;
  private bytes = 0;

  /** `floor` in bytes per second (0: never too slow), over windows of `windowMs`; `where` names the URL, without its query. */
  constructor(
    private readonly floor: number,
    private readonly windowMs: number,
    private readonly where: string,
    now = performance.now(),
  ) {
    this.windowStart = now;
  }

  /** Call once per received piece; throws TransferTooSlow when the window that just ended stayed below the floor. */
  received(bytes: number, now = performance.now()): void {
    if (this.floor <= 0) return;
    this.bytes += bytes;
    const elapsedMs = now - this.windowStart;
    if (elapsedMs < this.windowMs) return;
    const rate = (this.bytes * 1000) / elapsedMs;
    if (rate < this.floor) throw new TransferTooSlow(this.where, rate, this.floor, elapsedMs);
    this.windowStart = now;
    this.bytes = 0;
  }
}

/** A trickle is often under 1 B/s: show it, rather than "0 B/s". */
function describeRate(bytesPerSecond: number): string {
  return bytesPerSecond < 10 ? `${bytesPerSecond.toFixed(2)} B/s` : formatRate(bytesPerSecond);
}
