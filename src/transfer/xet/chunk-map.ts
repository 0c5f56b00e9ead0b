/**
 * Where a Xet file's chunks are in it: runs of consecutive chunks of one xorb, with the file offset
 * of the first and each chunk's length. Recorded per cached Xet file in the index, so a later
 * revision (or another model) whose reconstruction names the same chunks copies them from disk.
 */
export type ChunkRun = {
  readonly xorb: string;
  readonly firstChunk: number;
  readonly fileOffset: number;
  readonly lengths: readonly number[];
};

/** As stored in the index: [xorb, firstChunk, fileOffset, "len,len,…"]: one line per run, not per chunk, in the pretty JSON. */
export type StoredChunkRun = readonly [string, number, number, string];

export function toStored(runs: readonly ChunkRun[]): StoredChunkRun[] {
  return runs.map((run) => [run.xorb, run.firstChunk, run.fileOffset, run.lengths.join(",")] as const);
}

export function fromStored(stored: readonly StoredChunkRun[]): ChunkRun[] {
  return stored.map(([xorb, firstChunk, fileOffset, lengths]) => ({ xorb, firstChunk, fileOffset, lengths: lengths.split(",").map(Number) }));
}

/**
 * Collects the runs seen while a file is rebuilt; adjacent runs (same xorb, next chunk, next byte)
 * merge. Runs may overlap by whole chunks: the pieces of a term longer than a unit each come with
 * the chunk their edge falls in, so a piece's first chunk can be the previous piece's last.
 */
export class ChunkMapRecorder {
  private readonly runs = new Map<string, ChunkRun>();

  /** Keyed by file offset: a file that repeats content holds the same chunks at several offsets. */
  note(xorb: string, firstChunk: number, fileOffset: number, lengths: readonly number[]): void {
    this.runs.set(`${fileOffset}`, { xorb, firstChunk, fileOffset, lengths });
  }

  merged(): ChunkRun[] {
    const sorted = [...this.runs.values()].sort((a, b) => a.fileOffset - b.fileOffset);
    const out: { xorb: string; firstChunk: number; fileOffset: number; lengths: number[] }[] = [];
    let lastEnd = -1; // where the last run of `out` ends in the file, kept as it grows rather than summed again for every run
    for (const whole of sorted) {
      const run = whole.fileOffset < lastEnd ? withoutChunksBefore(whole, lastEnd) : whole;
      if (!run) continue;
      const last = out.at(-1);
      const runEnd = run.fileOffset + run.lengths.reduce((sum, length) => sum + length, 0);
      if (last && last.xorb === run.xorb && last.firstChunk + last.lengths.length === run.firstChunk && lastEnd === run.fileOffset) {
        last.lengths.push(...run.lengths);
        lastEnd = runEnd;
      } else {
        out.push({ ...run, lengths: [...run.lengths] });
        lastEnd = runEnd;
      }
    }
    return out;
  }
}

/** The chunks of a run from file offset `from` on, when one starts there (else undefined: nothing of it is kept). */
function withoutChunksBefore(run: ChunkRun, from: number): ChunkRun | undefined {
  let offset = run.fileOffset;
  let skipped = 0;
  while (skipped < run.lengths.length && offset < from) offset += run.lengths[skipped++]!;
  if (offset !== from || skipped === run.lengths.length) return undefined;
  return { xorb: run.xorb, firstChunk: run.firstChunk + skipped, fileOffset: offset, lengths: run.lengths.slice(skipped) };
}

/** A cached, verified Xet file whose chunk runs are known. */
export type CachedXetFile = { readonly path: string; readonly size: number; readonly mtimeMs: number; readonly runs: readonly ChunkRun[] };

/** Where to copy chunks [start, end) of a xorb from: a cached file and a byte range of it. */
export type LocalCopy = { readonly path: string; readonly offset: number; readonly length: number; readonly lengths: readonly number[] };

/** Finds chunks of xorbs in cached files. */
export class ChunkCatalog {
  private readonly byXorb = new Map<string, { file: CachedXetFile; run: ChunkRun }[]>();

  constructor(files: readonly CachedXetFile[]) {
    for (const file of files) {
      for (const run of file.runs) {
        const list = this.byXorb.get(run.xorb) ?? [];
        list.push({ file, run });
        this.byXorb.set(run.xorb, list);
      }
    }
  }

  get isEmpty(): boolean {
    return this.byXorb.size === 0;
  }

  find(xorb: string, start: number, end: number): LocalCopy | undefined {
    for (const { file, run } of this.byXorb.get(xorb) ?? []) {
      if (run.firstChunk > start || run.firstChunk + run.lengths.length < end) continue;
      let offset = run.fileOffset;
      for (let index = run.firstChunk; index < start; index++) offset += run.lengths[index - run.firstChunk]!;
      const lengths = run.lengths.slice(start - run.firstChunk, end - run.firstChunk);
      return { path: file.path, offset, length: lengths.reduce((sum, length) => sum + length, 0), lengths };
    }
    return undefined;
  }
}
