/**
 * Body bytes a connection delivers before its speed is judged. The start of a
 * response arrives in a burst (socket buffers): judged after 1 MiB, the
 * CDN-like bench link (40 MB/s per connection) looked fast and kept 8
 * connections, 4.44 s instead of 2.64 s.
 */
const RATE_SAMPLE_BYTES = 4 * 1024 * 1024;

/**
 * One connection's body rate over its first RATE_SAMPLE_BYTES, across the units it fetches in turn
 * (a Xet unit is often one xorb of a few MiB): from the start of its first body, so the time between
 * its requests counts too.
 */
export class RateProbe {
  private startedAt: number | undefined;
  private bytes = 0;
  private reported = false;

  constructor(private readonly report: (bytesPerSecond: number) => void) {}

  bodyStarts(): void {
    this.startedAt ??= performance.now();
  }

  received(count: number): void {
    if (this.reported || this.startedAt === undefined) return;
    this.bytes += count;
    if (this.bytes < RATE_SAMPLE_BYTES) return;
    this.reported = true;
    this.report((this.bytes * 1000) / Math.max(1, performance.now() - this.startedAt));
  }
}

/**
 * Below this, a connection is held back by the link (a CDN that caps each
 * connection), not by this process: half of 16 connections at 50 MB/s is
 * 400 MB/s, about half of what one process receives, writes and hashes on
 * two cores (tests/bench: loopback gives each of 8 connections ~90 MB/s, the
 * CDN-like link 40 MB/s).
 */
export const SLOW_CONNECTION_BYTES_PER_SECOND = 50e6;

/**
 * How many connections one file opens. It starts with half its allowance; once
 * those connections have each reported their speed, the rest is opened if
 * they are slow. On an uncapped link half is already more than the cores can
 * use, and every streaming connection costs memory (Bun's fetch keeps about
 * 2 MiB per connection), so the second half would only add memory.
 */
export class ConnectionSizer {
  readonly initial: number;
  private readonly samples: number[] = [];
  private decided = false;

  constructor(
    readonly maximum: number,
    /** Units of work the file has: no point waiting for more samples than connections that can start. */
    units: number,
  ) {
    this.initial = Math.max(1, Math.ceil(maximum / 2));
    if (units <= this.initial) this.decided = true;
  }

  /** One connection's body rate; returns how many connections to open now (0 once decided). */
  observe(bytesPerSecond: number): number {
    if (this.decided) return 0;
    this.samples.push(bytesPerSecond);
    if (this.samples.length < this.initial) return 0;
    this.decided = true;
    const sorted = this.samples.sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return median < SLOW_CONNECTION_BYTES_PER_SECOND ? this.maximum - this.initial : 0;
  }
}
