import type { Reconstruction, Term, XorbByteRange, XorbFetch } from "./reconstruction.ts";
import { XetUnavailable } from "./xet-errors.ts";

/** The reconstruction of one byte range of a file [start, end), and the file offset each of its terms starts at. */
export type PlanWindow = {
  readonly start: number;
  readonly end: number;
  readonly reconstruction: Reconstruction;
  readonly termStarts: readonly number[];
  /** The xorb range each term reads (undefined: none named), and the first and last term reading each range. */
  readonly rangeOf: readonly (XorbByteRange | undefined)[];
  readonly readers: ReadonlyMap<XorbByteRange, readonly [number, number]>;
};

/**
 * Checks that the announced term lengths, laid end to end from the answer's offset, cover [start, end)
 * and stop inside the file: later offsets add them up, and a term reaching past the file would keep
 * a stream decoding for as long as the CAS cares to send.
 */
function checkTermsEnd(start: number, end: number, reconstruction: Reconstruction, fileSize: number, what: string): void {
  const at = reconstruction.terms.reduce((sum, term) => sum + term.unpackedLength, start - reconstruction.offsetIntoFirstRange);
  if (at < end || at > fileSize) {
    const where = at < end ? `short of byte ${end}` : `past the end of the file (${fileSize} bytes)`;
    throw new XetUnavailable(`the terms the CAS announced for ${what} end at byte ${at}, ${where}`);
  }
}

/** The plan of [start, end) of a file of `fileSize` bytes (see checkTermsEnd). */
export function planWindow(start: number, end: number, reconstruction: Reconstruction, fileSize: number, what: string): PlanWindow {
  checkTermsEnd(start, end, reconstruction, fileSize, what);
  const termStarts: number[] = [];
  const rangeOf: (XorbByteRange | undefined)[] = [];
  const readers = new Map<XorbByteRange, [number, number]>();
  let at = start - reconstruction.offsetIntoFirstRange;
  reconstruction.terms.forEach((term, index) => {
    termStarts.push(at);
    at += term.unpackedLength;
    const range = findSource(reconstruction, term)?.range;
    rangeOf.push(range);
    if (!range) return;
    const seen = readers.get(range);
    readers.set(range, seen ? [seen[0], index] : [index, index]);
  });
  return { start, end, reconstruction, termStarts, rangeOf, readers };
}

/** Where a term's chunks are fetched from: one signed URL, the range of it holding them and that range's place among its ranges. */
export type TermSource = { readonly fetch: XorbFetch; readonly range: XorbByteRange; readonly index: number };

/** A xorb's ranges by first chunk, and for each position the one reaching furthest among it and those before. */
type XorbRanges = { readonly byStart: readonly TermSource[]; readonly furthest: readonly number[] };

/** Built once per answer (its slices share it): an answer may name a xorb's ranges by the hundred thousand, so no scan per term. */
const RANGE_INDEXES = new WeakMap<Reconstruction["fetches"], Map<string, XorbRanges>>();

function rangesOf(fetches: Reconstruction["fetches"], xorb: string): XorbRanges {
  let indexes = RANGE_INDEXES.get(fetches);
  if (!indexes) RANGE_INDEXES.set(fetches, (indexes = new Map()));
  const known = indexes.get(xorb);
  if (known) return known;
  const byStart = (fetches.get(xorb) ?? []).flatMap((fetch) => fetch.ranges.map((range, index) => ({ fetch, range, index })));
  byStart.sort((a, b) => a.range.chunks.start - b.range.chunks.start);
  const furthest: number[] = [];
  byStart.forEach((source, at) => {
    const before = furthest.at(-1);
    furthest.push(before !== undefined && byStart[before]!.range.chunks.end >= source.range.chunks.end ? before : at);
  });
  const built = { byStart, furthest };
  indexes.set(xorb, built);
  return built;
}

function findSource(reconstruction: Reconstruction, term: Term): TermSource | undefined {
  const { byStart, furthest } = rangesOf(reconstruction.fetches, term.xorb);
  // The ranges starting at or before the term's first chunk; of those, the one reaching furthest holds it if any does.
  const low = countWhile(byStart.length, (at) => byStart[at]!.range.chunks.start <= term.chunks.start);
  const candidate = low > 0 ? byStart[furthest[low - 1]!]! : undefined;
  return candidate && candidate.range.chunks.end >= term.chunks.end ? candidate : undefined;
}

export function locateTerm(reconstruction: Reconstruction, term: Term, what: string): TermSource {
  const found = findSource(reconstruction, term);
  if (found) return found;
  throw new XetUnavailable(`the reconstruction of ${what} names no URL for chunks ${term.chunks.start}-${term.chunks.end} of xorb ${term.xorb.slice(0, 12)}…`);
}

/** A term, and where its bytes come from: a cached file (`local`) or a range of a xorb URL. */
export type SourcedTerm = { readonly term: Term; readonly local: boolean; readonly source?: TermSource };

export function sourced(reconstruction: Reconstruction, term: Term, local: boolean, what: string): SourcedTerm {
  return { term, local, source: local ? undefined : locateTerm(reconstruction, term, what) };
}

/** Whether `next` can be served with `previous`: both copied, or read further on from the same xorb URL (one request). */
export function continuesRun(previous: SourcedTerm, next: SourcedTerm): boolean {
  if (previous.local || next.local) return previous.local && next.local;
  const before = previous.source!;
  const after = next.source!;
  if (before.fetch !== after.fetch) return false;
  if (before.range === after.range) return next.term.chunks.start >= previous.term.chunks.end;
  return after.index > before.index;
}

/** Consecutive terms grouped into runs that one request (or one cached file) serves, in file order. */
export function runsOf(reconstruction: Reconstruction, isLocal: (term: Term) => boolean, what: string): SourcedTerm[][] {
  const runs: SourcedTerm[][] = [];
  for (const term of reconstruction.terms) {
    const current = sourced(reconstruction, term, isLocal(term), what);
    const run = runs.at(-1);
    if (run && continuesRun(run.at(-1)!, current)) run.push(current);
    else runs.push([current]);
  }
  return runs;
}

/**
 * Cuts a window into units of parallel work for the engine: each unit is a run of consecutive terms
 * that one request serves, or a run of terms copied from the cache; at most `maxUnitBytes` each
 * (a single larger term is split evenly, and those pieces are asked of the CAS one by one).
 */
export function unitsOf(window: PlanWindow, maxUnitBytes: number, isLocal: (term: Term) => boolean, what: string): Array<[number, number]> {
  const { reconstruction, termStarts } = window;
  const cuts: number[] = [window.start];
  let previous: SourcedTerm | undefined;
  reconstruction.terms.forEach((term, index) => {
    const termStart = Math.max(window.start, termStarts[index]!);
    const termEnd = Math.min(window.end, termStarts[index]! + term.unpackedLength);
    if (termStart >= termEnd) return;
    const current = sourced(reconstruction, term, isLocal(term), what);
    if (previous && !continuesRun(previous, current)) cuts.push(termStart);
    else if (termEnd - cuts.at(-1)! > maxUnitBytes && termStart > cuts.at(-1)!) cuts.push(termStart);
    const pieces = Math.ceil((termEnd - termStart) / maxUnitBytes);
    for (let piece = 1; piece < pieces; piece++) cuts.push(termStart + Math.floor(((termEnd - termStart) * piece) / pieces));
    previous = current;
  });
  const units: Array<[number, number]> = [];
  cuts.push(window.end);
  for (let index = 0; index + 1 < cuts.length; index++) {
    if (cuts[index + 1]! > cuts[index]!) units.push([cuts[index]!, cuts[index + 1]!]);
  }
  return units;
}

/**
 * The part of a window's reconstruction that rebuilds [start, end), when the window holds it,
 * `start` is the window's start or a term's, and `end` the window's end or a term's. A range that
 * starts or ends inside a term (a piece of a term larger than a unit) is asked of the CAS, which
 * answers with the chunks that hold it: served from the plan, the piece would fetch the whole term.
 */
export function sliceOf(window: PlanWindow, start: number, end: number): Reconstruction | undefined {
  if (start < window.start || end > window.end) return undefined;
  const { reconstruction, termStarts } = window;
  let first: number;
  let offsetIntoFirstRange = 0;
  if (start === window.start) {
    first = 0;
    offsetIntoFirstRange = reconstruction.offsetIntoFirstRange;
  } else {
    first = firstTermAt(termStarts, start);
    if (first < 0) return undefined;
  }
  let last = first;
  while (last < termStarts.length && termStarts[last]! < end) last++;
  if (last > first && end < window.end && termStarts[last - 1]! + reconstruction.terms[last - 1]!.unpackedLength > end) return undefined;
  // A range that terms outside the slice also read would be fetched by both: ask the CAS for this part alone.
  for (let index = first; index < last; index++) {
    const range = window.rangeOf[index];
    const [firstReader, lastReader] = range ? window.readers.get(range)! : [index, index];
    if (firstReader < first || lastReader >= last) return undefined;
  }
  return { offsetIntoFirstRange, terms: reconstruction.terms.slice(first, last), fetches: reconstruction.fetches };
}

/** The first term starting at `offset`, or -1: a binary search, as units are sliced out of windows of many terms. */
function firstTermAt(termStarts: readonly number[], offset: number): number {
  const low = countWhile(termStarts.length, (at) => termStarts[at]! < offset);
  return termStarts[low] === offset ? low : -1;
}

/** How many of the first `length` positions hold for `holds`, which holds for a prefix of them (a binary search). */
function countWhile(length: number, holds: (at: number) => boolean): number {
  let low = 0;
  for (let high = length; low < high; ) {
    const middle = (low + high) >>> 1;
    if (holds(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}
