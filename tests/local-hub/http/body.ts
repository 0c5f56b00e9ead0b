/**
 * Response bodies: one typed array, or a file mapped in pieces, since one typed array holds at
 * most 4 GiB and the hub serves larger files.
 */
export type BodyBytes = Uint8Array | PiecewiseBytes;

/** Bytes [start, start + byteLength) of a list of equal pieces (the last may be shorter). */
export class PiecewiseBytes {
  constructor(
    private readonly pieces: readonly Uint8Array[],
    private readonly pieceSize: number,
    private readonly start: number,
    readonly byteLength: number,
  ) {}

  /** Like Uint8Array's: a view, an array itself when it lies in one piece. */
  subarray(start: number, end = this.byteLength): BodyBytes {
    const from = this.start + clamp(start, this.byteLength);
    const to = this.start + clamp(end, this.byteLength);
    const piece = Math.floor(from / this.pieceSize);
    if (to <= (piece + 1) * this.pieceSize) return this.pieces[piece]!.subarray(from - piece * this.pieceSize, to - piece * this.pieceSize);
    return new PiecewiseBytes(this.pieces, this.pieceSize, from, Math.max(0, to - from));
  }

  /** The bytes in one array (a copy: they span pieces). */
  copy(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    for (let done = 0; done < this.byteLength; ) {
      const at = (this.start + done) % this.pieceSize;
      // Up to the end of the piece (subarray clamps there) or of these bytes.
      const part = this.pieces[Math.floor((this.start + done) / this.pieceSize)]!.subarray(at, at + this.byteLength - done);
      out.set(part, done);
      done += part.byteLength;
    }
    return out;
  }
}

/** Bytes [start, end) in one array: a view when it can be, else a copy. */
export function bytesIn(body: BodyBytes, start = 0, end = body.byteLength): Uint8Array {
  const part = body.subarray(start, end);
  return part instanceof Uint8Array ? part : part.copy();
}

function clamp(index: number, length: number): number {
  return Math.min(Math.max(0, index), length);
}
