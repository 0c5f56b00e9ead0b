/** Transfer speed over a sliding window, for speed and ETA displays. */
export class RateMeter {
  private readonly samples: Array<{ time: number; bytes: number }> = [];

  constructor(private readonly windowMs: number = 5000) {}

  sample(totalBytes: number, now: number = performance.now()): void {
    this.samples.push({ time: now, bytes: totalBytes });
    while (this.samples.length > 2 && (this.samples[0]?.time ?? now) < now - this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window, 0 before there are two samples. */
  get bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.time <= first.time) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.time - first.time);
  }
}
