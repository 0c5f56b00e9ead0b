/**
 * Collects garbage every `everyBytes` received bytes. Each fetch chunk is a
 * fresh buffer that lives until a collection; at several hundred MB/s Bun's
 * own schedule lets tens of MiB of them pile up in the allocator (measured
 * with 16 connections: peak RSS 153 MiB without, 131 MiB with a collection
 * every 64 MiB, at the same speed).
 */
export class GcPacer {
  private pending = 0;

  constructor(private readonly everyBytes: number) {}

  received(bytes: number): void {
    this.pending += bytes;
    if (this.pending < this.everyBytes) return;
    this.pending = 0;
    Bun.gc(true);
  }
}
