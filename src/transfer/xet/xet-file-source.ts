import { open } from "node:fs/promises";
import { messageOf } from "../../errors.ts";
import type { HubRequestContext } from "../../hub/errors.ts";
import type { ByteRange } from "../../hub/file-source.ts";
import type { HubHttp, HubResponse } from "../../hub/http.ts";
import { RetryableResponseError, serverRequestedDelayMs } from "../../hub/retry.ts";
import { type ByteSource, pulledStream, type SourceOutcome } from "../byte-source.ts";
import { formatBytes } from "../../output/format.ts";
import { checkAnswerBounds, MAX_CHUNK_BYTES } from "./answer-bounds.ts";
import { ByteReader } from "./byte-reader.ts";
import { type ChunkCatalog, ChunkMapRecorder, type LocalCopy } from "./chunk-map.ts";
import { Lz4FormatError } from "./lz4-frame.ts";
import { PieceBuffers } from "./piece-buffers.ts";
import { type Reconstruction, ReconstructionClient, type Term } from "./reconstruction.ts";
import { XetUnavailable } from "./xet-errors.ts";
import { type PlanWindow, planWindow, runsOf, type SourcedTerm, sliceOf, unitsOf } from "./xet-plan.ts";
import { XetTokenSource } from "./xet-token.ts";
import { XorbFormatError } from "./xorb-chunks.ts";
import { answerKind, answerLimit, PART_OVERHEAD_BYTES, streamChunks } from "./xorb-stream.ts";

/** At most this much of a file per reconstruction request when planning (hf_xet asks in 256 MB windows and up). */
const PLAN_WINDOW_BYTES = 1024 * 1024 * 1024;
/**
 * How many terms and xorb ranges the window answers kept for serving may hold together (see keep):
 * an honest 1 GiB window holds at most ~16,000 terms (chunks average 64 KiB) and their ranges, a
 * 16 MiB answer from a hostile CAS ~90,000 of each, ~130 MB parsed. The newest is kept whatever its size.
 */
const KEPT_PLAN_ENTRIES = 64_000;

/**
 * Files are cut into at least this many units (the engine starts a file on 8 connections), none
 * smaller than MIN_UNIT_BYTES: a unit costs a request, and one that starts inside a term a
 * reconstruction request too, ~20 ms on a CDN, while 4 MiB at 40 MB/s take 100 ms. The engine's
 * cheapUnitsRangedThreshold (8 MiB) is two such units.
 */
const SMALL_FILE_UNITS = 8;
const MIN_UNIT_BYTES = 4 * 1024 * 1024;

/** On top of twice the file's size (see fetchBudget): a whole xorb, as a storage ignoring Range sends one. */
const FETCH_BUDGET_SLACK_BYTES = 64 * 1024 * 1024;

/** A unit has no request of its own to watch: its reconstruction (within the API deadline) and xorb requests are watched each. */
const UNWATCHED = { signal: new AbortController().signal, touch: () => {}, release: () => {} };

/**
 * The bytes of a Xet-backed file, rebuilt natively: for each range the engine asks, the CAS's
 * reconstruction of that range, each xorb's ranges fetched in one (multi-range) request through the
 * run's HTTP client (URL guard, stall watchdog, bounded reads), chunks decoded, terms checked against
 * their announced length and streamed in file order. Retries stay the engine's: a transient failure
 * makes it ask again for what is still missing, which also renews expired xorb URLs.
 */
export class XetFileSource implements ByteSource {
  private readonly tokens: XetTokenSource;
  private readonly reconstructions: ReconstructionClient;

  constructor(
    private readonly http: HubHttp,
    context: HubRequestContext & { readonly revision: string; readonly path: string },
    xetHash: string,
    private readonly size: number,
    /** Chunks already in the cache, copied from disk instead of fetched. */
    private readonly catalog?: ChunkCatalog,
  ) {
    this.tokens = XetTokenSource.for(http, context);
    this.reconstructions = new ReconstructionClient(http, this.tokens, context, xetHash);
    this.what = `"${context.path}" in ${context.repoId}`;
  }

  private readonly what: string;
  /** Not when chunks may be copied from the cache: an upgrade fetches little, and streams it (see plan). */
  get cheapUnits(): boolean {
    return this.catalog === undefined || this.catalog.isEmpty;
  }
  private readonly recorder = new ChunkMapRecorder();
  private readonly buffers = new PieceBuffers(PIECE_BYTES, POOLED_PIECES);
  /** The plan's windows: the ranges asked of the CAS in one request each (see plan). */
  private spans: ReadonlyArray<readonly [number, number]> = [];
  /** Window answers by start, for their units (see keep); dropped when their xorb URLs expire. */
  private readonly kept = new Map<number, Promise<PlanWindow>>();
  private readonly keptEntries = new Map<number, number>();
  private reusedBytes = 0;
  private fetchedBytes = 0;
  /**
   * What the storage may send for the file in all: its size about once (checkAnswerBounds), the rest of
   * a unit again after each broken connection, a whole xorb from a storage that ignores Range. Past
   * that, the bridge sends the file once.
   */
  private get fetchBudget(): number {
    return 2 * this.size + FETCH_BUDGET_SLACK_BYTES;
  }

  outcome(): SourceOutcome {
    return { chunkRuns: this.recorder.merged(), reusedBytes: this.reusedBytes, fetchedBytes: this.fetchedBytes };
  }

  async locate(signal?: AbortSignal): Promise<void> {
    await this.tokens.get(signal);
  }

  /**
   * Asks the CAS how to rebuild the missing ranges, a window at a time, and cuts them along its
   * answer: one unit per xorb request (or per run of terms copied from the cache), so the engine runs
   * the requests in parallel on its connections; each unit is then served from its window's answer.
   * Answers are kept within KEPT_PLAN_ENTRIES, newest first: a file of many windows (or a resume with
   * many gaps) must not hold them all when a hostile CAS makes each ~130 MB parsed. One no longer
   * kept is asked for again when its units' turn comes (see planned).
   */
  async plan(gaps: ReadonlyArray<readonly [number, number]>, maxUnitBytes: number, signal?: AbortSignal): Promise<Array<[number, number]>> {
    const spans: Array<readonly [number, number]> = [];
    for (const [gapStart, gapEnd] of gaps) {
      for (let start = gapStart; start < gapEnd; start += PLAN_WINDOW_BYTES) spans.push([start, Math.min(gapEnd, start + PLAN_WINDOW_BYTES)]);
    }
    this.spans = spans;
    this.forgetWindows();
    // A smaller file is cut finer, so that it too runs on several connections. Not an upgrade: its
    // units are cut along the runs it copies already, and a unit ending inside a fetched term is asked
    // of the CAS on its own (see sliceOf) and fetches the rest of the chunk holding its end (up to
    // 128 KiB past it, see checkAnswerBounds; its request is read to the end, see pieces).
    const smallFileUnitBytes = Math.min(maxUnitBytes, Math.max(MIN_UNIT_BYTES, Math.ceil(this.size / SMALL_FILE_UNITS)));
    const units: Array<[number, number]> = [];
    const smallFileUnits: Array<[number, number]> = [];
    let upgrade = false;
    for (const [start, end] of spans) {
      const window = await this.window(start, end, signal);
      this.keep(start, Promise.resolve(window));
      upgrade ||= window.reconstruction.terms.some(this.isLocal);
      units.push(...unitsOf(window, maxUnitBytes, this.isLocal, this.what));
      if (smallFileUnitBytes < maxUnitBytes) smallFileUnits.push(...unitsOf(window, smallFileUnitBytes, this.isLocal, this.what));
    }
    return upgrade || smallFileUnitBytes === maxUnitBytes ? units : smallFileUnits;
  }

  async open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse> {
    const start = range?.start ?? 0;
    const end = range?.end ?? this.size;
    const reconstruction = (await this.planned(start, end, signal)) ?? (await this.window(start, end, signal)).reconstruction;
    const pieces = this.pieces(reconstruction, start, end - start, signal);
    const body = pulledStream(
      () => pieces.next(),
      () => pieces.return(undefined),
    );
    const headers: Record<string, string> = { "content-length": String(end - start) };
    if (range) headers["content-range"] = `bytes ${start}-${end - 1}/${this.size}`;
    return { response: new Response(body, { status: range ? 206 : 200, headers }), url: `xet:${this.what}`, watch: UNWATCHED };
  }

  /**
   * The decoded bytes of the range, chunk by chunk as they arrive, in file order: each run of terms
   * copied from a cached file when the catalog has their chunks, else streamed from one request
   * for their xorb ranges. Every term is checked against its announced length.
   */
  private async *pieces(reconstruction: Reconstruction, rangeStart: number, length: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    let skip = reconstruction.offsetIntoFirstRange;
    let termStart = rangeStart - skip;
    let remaining = length;
    const take = (bytes: Uint8Array, reused: boolean): Uint8Array => {
      const piece = bytes.subarray(Math.min(skip, bytes.length), Math.min(bytes.length, skip + remaining));
      skip = Math.max(0, skip - bytes.length);
      remaining -= piece.length;
      if (reused) this.reusedBytes += piece.length;
      return piece;
    };
    let decodedInTerm = 0;
    for (const run of runsOf(reconstruction, this.isLocal, this.what)) {
      if (remaining <= 0) break;
      for await (const { term, lengths, bytes } of run[0]!.local ? this.copiedTerms(run) : this.fetchedTerms(run, signal)) {
        if (bytes) {
          // Checked as the bytes come, not only at the term's end: a term may have more chunks than its length allows.
          decodedInTerm += bytes.length;
          if (decodedInTerm > term.unpackedLength) {
            throw new XetUnavailable(`a term of ${this.what} decodes to more than the ${term.unpackedLength} bytes the CAS announced`);
          }
          const piece = take(bytes, run[0]!.local);
          if (piece.length > 0) yield piece;
          continue;
        }
        const decoded = lengths.reduce((sum, chunk) => sum + chunk, 0);
        if (decoded !== term.unpackedLength) {
          throw new XetUnavailable(`a term of ${this.what} decodes to ${decoded} bytes, the CAS announced ${term.unpackedLength}`);
        }
        if (termStart < rangeStart + length) this.recorder.note(term.xorb, term.chunks.start, termStart, lengths);
        termStart += decoded;
        decodedInTerm = 0;
        // A request is read to its end (for an honest CAS, at most a multipart epilogue past the range's
        // last term), so that "fetched" counts what the storage sent; copies stop here.
        if (remaining <= 0 && run[0]!.local) break;
      }
    }
    if (remaining > 0) throw new XetUnavailable(`the reconstruction of ${this.what} ends ${remaining} bytes short`);
  }

  /** The CAS's answer for [start, end), checked and indexed (see planWindow and checkAnswerBounds). */
  private async window(start: number, end: number, signal?: AbortSignal): Promise<PlanWindow> {
    const window = planWindow(start, end, await this.reconstructions.fetch(start, end, signal), this.size, this.what);
    checkAnswerBounds(window, this.what);
    return window;
  }

  /** Whether a term's chunks are copied from the cache rather than fetched. */
  private readonly isLocal = (term: Term): boolean => this.localCopy(term) !== undefined;

  private localCopy(term: Term): LocalCopy | undefined {
    const copy = this.catalog?.find(term.xorb, term.chunks.start, term.chunks.end);
    return copy && copy.length === term.unpackedLength && !this.unreadable.has(copy.path) ? copy : undefined;
  }

  /** Cached files that failed a copy (deleted, truncated, replaced since the plan): their chunks are fetched instead. */
  private readonly unreadable = new Set<string>();

  /**
   * A run of terms copied from cached files. A file that cannot give its recorded bytes is not used
   * again, and the engine asks once more for what is missing, which then comes from the network:
   * the cache changing under a run costs a retry, not the file's Xet transfer.
   */
  private async *copiedTerms(run: readonly SourcedTerm[]): AsyncGenerator<TermEvent> {
    for (const { term } of run) {
      const copy = this.localCopy(term)!;
      try {
        yield* copiedTerm(term, copy);
      } catch (error) {
        this.unreadable.add(copy.path);
        throw new RetryableResponseError(0, 0, `the cached copy ${copy.path} no longer holds what the index recorded (${messageOf(error)}); fetching its chunks instead`);
      }
    }
  }

  /**
   * The part of its window's answer that rebuilds [start, end), when the window holds it as a run of
   * whole terms (see sliceOf); the window's answer is asked for again when it is no longer kept.
   */
  private async planned(start: number, end: number, signal?: AbortSignal): Promise<Reconstruction | undefined> {
    const span = this.spans.find(([spanStart, spanEnd]) => spanStart <= start && end <= spanEnd);
    if (!span) return undefined;
    const [spanStart, spanEnd] = span;
    let window = this.kept.get(spanStart);
    if (!window) this.keep(spanStart, (window = this.window(spanStart, spanEnd, signal)));
    return sliceOf(await window, start, end);
  }

  private forgetWindows(): void {
    this.kept.clear();
    this.keptEntries.clear();
  }

  /** Keeps a window's answer for its units, then drops the oldest others past KEPT_PLAN_ENTRIES. */
  private keep(start: number, window: Promise<PlanWindow>): void {
    this.kept.set(start, window);
    window.then(
      (answer) => {
        if (this.kept.get(start) !== window) return;
        this.keptEntries.set(start, entriesOf(answer.reconstruction));
        let total = [...this.keptEntries.values()].reduce((sum, entries) => sum + entries, 0);
        for (const [oldest, entries] of this.keptEntries) {
          if (total <= KEPT_PLAN_ENTRIES) break;
          if (oldest === start) continue;
          this.kept.delete(oldest);
          this.keptEntries.delete(oldest);
          total -= entries;
        }
      },
      // Not kept: the unit's retry asks again.
      () => {
        if (this.kept.get(start) === window) this.kept.delete(start);
      },
    );
  }

  /**
   * The chunks of a run of terms, decoded as they stream in from one request for their xorb ranges
   * (multipart/byteranges when there are several), then each term's end with its chunk lengths.
   */
  private async *fetchedTerms(run: readonly SourcedTerm[], signal?: AbortSignal): AsyncGenerator<TermEvent> {
    const { fetch } = run[0]!.source!;
    const xorb = run[0]!.term.xorb;
    const asked = new Set(run.map((item) => item.source!.range));
    const ranges = fetch.ranges.filter((range) => asked.has(range));
    const what = `xorb ${xorb.slice(0, 12)}… of ${this.what}`;
    const header = `bytes=${ranges.map((range) => `${range.bytes.start}-${range.bytes.end}`).join(",")}`;
    // Signed by the CAS, which may name any host: never with the Hub token, even when it names the Hub.
    const { response, watch } = await this.http.send(fetch.url, { headers: { range: header }, signal, what, withoutToken: true });
    let cancel = () => response.body?.cancel();
    let counted = 0;
    let note = () => {};
    const buffers: Uint8Array[] = [];
    try {
      if (response.status === 403) {
        this.forgetWindows(); // signed together: the window's other URLs have expired too
        throw new RetryableResponseError(403, 0, `the signed URL of ${what} expired (HTTP 403); asking for the reconstruction again`);
      }
      if (response.status !== 200 && response.status !== 206) {
        if (response.status === 429 || response.status >= 500) {
          throw new RetryableResponseError(response.status, serverRequestedDelayMs(response.headers), `HTTP ${response.status} from the Xet storage for ${what}`);
        }
        throw new XetUnavailable(`${what}: HTTP ${response.status}`);
      }
      if (!response.body) throw new XetUnavailable(`${what}: an empty answer`);
      const answer = answerKind(response, ranges);
      const reader = response.body.getReader();
      cancel = () => reader.cancel();
      const asked = answerLimit(answer, ranges);
      const allowed = this.fetchBudget - this.fetchedBytes;
      const bytes = new ByteReader(reader, Math.min(asked, allowed), watch.touch, () =>
        asked <= allowed
          ? new XetUnavailable(`${what}: the answer is larger than the ranges asked`)
          : new XetUnavailable(`the Xet storage has sent more than ${formatBytes(this.fetchBudget)} for ${this.what} (${formatBytes(this.size)})`),
      );
      note = () => {
        this.fetchedBytes += bytes.received - counted;
        counted = bytes.received;
      };
      // Chunks are decoded straight into pieces of up to PIECE_BYTES of one term, handed on when full
      // or when the term ends: fewer, larger writes than one per chunk, and no copy. Two buffers take
      // turns: one is filled while the engine writes the piece last handed on from the other.
      let index = 0;
      let lengths: number[] = [];
      let piece = (buffers[0] = this.buffers.take());
      let spare = (buffers[1] = this.buffers.take());
      let filled = 0;
      let handedOn = false;
      let full: Uint8Array | undefined;
      const target = (chunk: number, decodedLength: number): Uint8Array | undefined => {
        // Xet's chunker makes none: an empty chunk would let a term name chunks without bytes (see checkAnswerBounds).
        if (decodedLength === 0) throw new XetUnavailable(`${what}: chunk ${chunk} is empty`);
        // xet-core refuses larger ones too; bounding them here keeps every chunk within a piece buffer.
        if (decodedLength > MAX_CHUNK_BYTES) throw new XetUnavailable(`${what}: chunk ${chunk} decodes to ${decodedLength} bytes, more than Xet's largest chunk (128 KiB)`);
        const { term } = run[index]!;
        if (chunk < term.chunks.start || chunk >= term.chunks.end) return undefined; // read by no term, or by one further on
        if (handedOn || filled + decodedLength > piece.length) {
          if (filled > 0 && !handedOn) full = piece.subarray(0, filled);
          [piece, spare] = [spare, piece];
          filled = 0;
          handedOn = false;
        }
        lengths.push(decodedLength);
        filled += decodedLength;
        return piece.subarray(filled - decodedLength, filled);
      };
      for await (const chunk of streamChunks(bytes, answer, ranges, target)) {
        const { term } = run[index]!;
        if (full) yield { term, lengths, bytes: full };
        full = undefined;
        if (chunk === term.chunks.end - 1) {
          yield { term, lengths, bytes: piece.subarray(0, filled) };
          yield { term, lengths };
          handedOn = true;
          lengths = [];
          if (++index === run.length) break;
        }
        note();
      }
      note();
      if (index < run.length) throw new XetUnavailable(`${what}: the answer ended before chunk ${run[index]!.term.chunks.end - 1}`);
      if (answer.kind !== "whole") await bytes.rest(answer.kind === "multipart" ? PART_OVERHEAD_BYTES : 0);
    } catch (error) {
      if (error instanceof XorbFormatError || error instanceof Lz4FormatError) throw new XetUnavailable(`${what}: ${error.message}`);
      throw error;
    } finally {
      note(); // the rest of the answer, and what arrived before a failure (sent too)
      await cancel()?.catch(() => {});
      watch.release();
      for (const buffer of buffers) this.buffers.give(buffer);
    }
  }
}

/** One piece of a term's bytes, or (no bytes) the end of the term with the lengths of its chunks. */
type TermEvent = { readonly term: Term; readonly lengths: readonly number[]; readonly bytes?: Uint8Array };

/** Largest piece handed to the engine at once: a term may be tens of MiB on the Hub. */
const PIECE_BYTES = 256 * 1024;
/** Two per connection of a file (16 at most): 8 MiB. */
const POOLED_PIECES = 32;

/** The size of a window's answer as kept: its terms and xorb ranges. */
function entriesOf(reconstruction: Reconstruction): number {
  let entries = reconstruction.terms.length;
  for (const fetches of reconstruction.fetches.values()) for (const fetch of fetches) entries += fetch.ranges.length;
  return entries;
}

/** A term read from a cached file (verified when cached; the new file's sha256 checks it again). */
async function* copiedTerm(term: Term, copy: LocalCopy): AsyncGenerator<TermEvent> {
  const handle = await open(copy.path, "r");
  try {
    for (let read = 0; read < copy.length; ) {
      const piece = new Uint8Array(Math.min(PIECE_BYTES, copy.length - read));
      const { bytesRead } = await handle.read(piece, 0, piece.length, copy.offset + read);
      if (bytesRead === 0) throw new Error("it is shorter than recorded");
      read += bytesRead;
      yield { term, lengths: copy.lengths, bytes: piece.subarray(0, bytesRead) };
    }
  } finally {
    await handle.close();
  }
  yield { term, lengths: copy.lengths };
}
