export type GcPacing = {
  /** Collect at least once per this many received bytes. */
  readonly everyBytes: number;
  /** Collect sooner once the resident set passes this (checked every `checkBytes`)… */
  readonly rssTarget?: number;
  /** …or, after a collection that left more than that behind, once it grows this much past what it left. */
  readonly headroom?: number;
  readonly checkBytes?: number;
  readonly rss?: () => number;
  readonly collect?: () => void;
};

/**
 * Collects garbage every `everyBytes` received bytes, and sooner when the resident set passes a
 * target. Each fetch chunk is a fresh buffer that lives until a collection; at several hundred MB/s
 * Bun's own schedule lets tens of MiB of them pile up in the allocator (measured with 16
 * connections: peak RSS 153 MiB without, 131 MiB with a collection every 64 MiB, at the same
 * speed). How much piles up per byte depends on the source. A native Xet download decodes on the
 * main thread, so its connections' chunks wait in their streams long enough to outlive the young
 * collections Bun runs on its own, and small xorbs mean a request per MiB: collecting every 64 MiB,
 * a 1 GiB file of 1 MiB xorbs peaked at 185–212 MiB, the RSS falling by 35–50 MiB at each collection.
 */
export class GcPacer {
  private pending = 0;
  private sinceCheck = 0;
  private trigger: number;
  private readonly everyBytes: number;
  private readonly rssTarget: number;
  private readonly headroom: number;
  private readonly checkBytes: number;
  private readonly rss: () => number;
  private readonly collect: () => void;

  constructor(pacing: GcPacing) {
    this.everyBytes = pacing.everyBytes;
    this.rssTarget = pacing.rssTarget ?? Number.POSITIVE_INFINITY;
    this.headroom = pacing.headroom ?? 0;
    this.checkBytes = pacing.checkBytes ?? pacing.everyBytes;
    this.rss = pacing.rss ?? (() => process.memoryUsage.rss());
    this.collect = pacing.collect ?? (() => Bun.gc(true));
    this.trigger = this.rssTarget;
  }

  received(bytes: number): void {
    this.pending += bytes;
    this.sinceCheck += bytes;
    if (this.pending < this.everyBytes) {
      if (this.sinceCheck < this.checkBytes) return;
      this.sinceCheck = 0;
      if (this.rss() < this.trigger) return;
    }
    this.pending = 0;
    this.sinceCheck = 0;
    this.collect();
    // Live memory above the target would otherwise make every check collect.
    this.trigger = Math.max(this.rssTarget, this.rss() + this.headroom);
  }
}
