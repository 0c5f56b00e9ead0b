/** A set of byte ranges [start, end), kept sorted and merged. */
export class RangeSet {
  private ranges: Array<[number, number]> = [];

  constructor(initial: Iterable<readonly [number, number]> = []) {
    for (const [start, end] of initial) this.add(start, end);
  }

  add(start: number, end: number): void {
    if (end <= start) return;
    const merged: Array<[number, number]> = [];
    let newStart = start;
    let newEnd = end;
    let inserted = false;
    for (const range of this.ranges) {
      if (range[1] < newStart) merged.push(range);
      else if (range[0] > newEnd) {
        if (!inserted) {
          merged.push([newStart, newEnd]);
          inserted = true;
        }
        merged.push(range);
      } else {
        newStart = Math.min(newStart, range[0]);
        newEnd = Math.max(newEnd, range[1]);
      }
    }
    if (!inserted) merged.push([newStart, newEnd]);
    this.ranges = merged;
  }

  /** Removes and returns the range that starts at or before `offset` and extends past it, if any. */
  takeCovering(offset: number): [number, number] | undefined {
    const index = this.ranges.findIndex(([start, end]) => start <= offset && end > offset);
    if (index < 0) return undefined;
    return this.ranges.splice(index, 1)[0];
  }

  get totalBytes(): number {
    return this.ranges.reduce((sum, [start, end]) => sum + (end - start), 0);
  }

  /** The gaps in [0, size), in order. */
  missing(size: number): Array<[number, number]> {
    const gaps: Array<[number, number]> = [];
    let cursor = 0;
    for (const [start, end] of this.ranges) {
      if (start >= size) break;
      if (start > cursor) gaps.push([cursor, start]);
      cursor = Math.max(cursor, end);
    }
    if (cursor < size) gaps.push([cursor, size]);
    return gaps;
  }

  covers(size: number): boolean {
    return this.missing(size).length === 0;
  }

  toJSON(): Array<[number, number]> {
    return this.ranges.map(([start, end]) => [start, end]);
  }
}

/** Splits gaps into pieces of at most `chunkSize` bytes. */
export function splitIntoChunks(gaps: ReadonlyArray<readonly [number, number]>, chunkSize: number): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  for (const [start, end] of gaps) {
    for (let offset = start; offset < end; offset += chunkSize) chunks.push([offset, Math.min(end, offset + chunkSize)]);
  }
  return chunks;
}

/**
 * The contiguous prefix [0, length) of a file filled in any order: pieces
 * past its end wait until the prefix reaches them.
 */
export class ContiguousPrefix {
  private end = 0;
  private readonly ahead = new RangeSet();

  get length(): number {
    return this.end;
  }

  /** Records bytes [start, end) as present; returns the spans by which the prefix grew, in order. */
  add(start: number, end: number): Array<[number, number]> {
    if (start > this.end) {
      this.ahead.add(start, end);
      return [];
    }
    const grown: Array<[number, number]> = [];
    if (end > this.end) {
      grown.push([this.end, end]);
      this.end = end;
    }
    for (let range = this.ahead.takeCovering(this.end); range; range = this.ahead.takeCovering(this.end)) {
      grown.push([this.end, range[1]]);
      this.end = range[1];
    }
    return grown;
  }
}

/** Pieces smaller than this cost more in request latency than they gain in balance. */
const MIN_BALANCED_CHUNK = 1024 * 1024;

/**
 * Splits gaps into pieces of at most `chunkSize` bytes, sized so that their
 * number is a multiple of `connections`: on a link that caps each connection,
 * every connection then finishes its last piece at about the same time,
 * instead of a few running a final round alone.
 */
export function balancedChunks(gaps: ReadonlyArray<readonly [number, number]>, chunkSize: number, connections: number): Array<[number, number]> {
  const total = gaps.reduce((sum, [start, end]) => sum + (end - start), 0);
  const rounds = Math.max(1, Math.ceil(total / (chunkSize * connections)));
  const floor = Math.min(MIN_BALANCED_CHUNK, chunkSize);
  return splitIntoChunks(gaps, Math.min(chunkSize, Math.max(floor, Math.ceil(total / (rounds * connections)))));
}
