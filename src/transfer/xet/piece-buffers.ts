/**
 * The buffers chunks are decoded into, kept for the next request rather than allocated per piece:
 * fresh memory costs page faults and collections on every MiB received, reused memory neither.
 * A request takes two (one being filled, one with the engine); a few per connection stay pooled.
 */
export class PieceBuffers {
  private readonly free: Uint8Array[] = [];

  constructor(
    readonly pieceBytes: number,
    private readonly maxFree: number,
  ) {}

  take(): Uint8Array {
    return this.free.pop() ?? new Uint8Array(this.pieceBytes);
  }

  /** Only once the engine is done with it: after it has read past the last piece cut from it. */
  give(buffer: Uint8Array): void {
    if (buffer.length === this.pieceBytes && this.free.length < this.maxFree) this.free.push(buffer);
  }
}
