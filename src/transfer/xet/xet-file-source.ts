import { open } from "node:fs/promises";
import { readLimitedBytes } from "../../hub/bounded-body.ts";
import type { HubRequestContext } from "../../hub/errors.ts";
import type { ByteRange } from "../../hub/file-source.ts";
import type { HubHttp, HubResponse } from "../../hub/http.ts";
import { RetryableResponseError, serverRequestedDelayMs } from "../../hub/retry.ts";
import { type ByteSource, pulledStream, type SourceOutcome } from "../byte-source.ts";
import { type ChunkCatalog, ChunkMapRecorder, type LocalCopy } from "./chunk-map.ts";
import { Lz4FormatError } from "./lz4-frame.ts";
import { parseByteRanges } from "./multipart.ts";
import { type Reconstruction, ReconstructionClient, type Term, type XorbByteRange, type XorbFetch } from "./reconstruction.ts";
import { XetUnavailable } from "./xet-errors.ts";
import { XetTokenSource } from "./xet-token.ts";
import { decodeXorbChunks, XorbFormatError } from "./xorb-chunks.ts";

/** Multipart headers and delimiters per part, on top of the ranges' own bytes. */
const PART_OVERHEAD_BYTES = 1024;

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
  private readonly recorder = new ChunkMapRecorder();
  private reusedBytes = 0;
  private fetchedBytes = 0;

  outcome(): SourceOutcome {
    return { chunkRuns: this.recorder.merged(), reusedBytes: this.reusedBytes, fetchedBytes: this.fetchedBytes };
  }

  async locate(signal?: AbortSignal): Promise<void> {
    await this.tokens.get(signal);
  }

  async open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse> {
    const start = range?.start ?? 0;
    const end = range?.end ?? this.size;
    const { reconstruction, watch } = await this.reconstructions.fetch(start, end, signal);
    const pieces = this.pieces(reconstruction, start, end - start, signal);
    const body = pulledStream(
      () => pieces.next(),
      () => pieces.return(undefined),
    );
    const headers: Record<string, string> = { "content-length": String(end - start) };
    if (range) headers["content-range"] = `bytes ${start}-${end - 1}/${this.size}`;
    return { response: new Response(body, { status: range ? 206 : 200, headers }), url: `xet:${this.what}`, watch };
  }

  /**
   * The decoded bytes of the range, term by term: copied from a cached file when the catalog has the
   * term's chunks, else fetched (a xorb's ranges when a term first needs one of them) and decoded.
   */
  private async *pieces(reconstruction: Reconstruction, rangeStart: number, length: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const local = new Map<Term, LocalCopy>();
    for (const term of reconstruction.terms) {
      const copy = this.catalog?.find(term.xorb, term.chunks.start, term.chunks.end);
      if (copy && copy.length === term.unpackedLength) local.set(term, copy);
    }
    const remote = reconstruction.terms.filter((term) => !local.has(term));
    const decoded = new Map<XorbByteRange, Uint8Array[]>();
    const usesLeft = countUses(reconstruction, remote);
    let skip = reconstruction.offsetIntoFirstRange;
    let termStart = rangeStart - reconstruction.offsetIntoFirstRange;
    let remaining = length;
    for (const term of reconstruction.terms) {
      if (remaining <= 0) break;
      const copy = local.get(term);
      let bytes: Uint8Array;
      let lengths: readonly number[];
      if (copy) {
        bytes = await readLocal(copy);
        lengths = copy.lengths;
      } else {
        const { fetch, range } = locateTerm(reconstruction, term, this.what);
        if (!decoded.has(range)) {
          const needed = { ...fetch, ranges: fetch.ranges.filter((candidate) => (usesLeft.get(candidate) ?? 0) > 0 && !decoded.has(candidate)) };
          for (const [fetched, chunks] of await this.fetchXorbRanges(term.xorb, needed, signal)) decoded.set(fetched, chunks);
        }
        const chunks = decoded.get(range)!.slice(term.chunks.start - range.chunks.start, term.chunks.end - range.chunks.start);
        bytes = Buffer.concat(chunks);
        lengths = chunks.map((chunk) => chunk.length);
        if ((usesLeft.set(range, usesLeft.get(range)! - 1).get(range) ?? 0) <= 0) decoded.delete(range);
      }
      if (bytes.length !== term.unpackedLength) {
        throw new XetUnavailable(`a term of ${this.what} decodes to ${bytes.length} bytes, the CAS announced ${term.unpackedLength}`);
      }
      this.recorder.note(term.xorb, term.chunks.start, termStart, lengths);
      termStart += bytes.length;
      const piece = bytes.subarray(Math.min(skip, bytes.length), Math.min(bytes.length, skip + remaining));
      skip = Math.max(0, skip - bytes.length);
      remaining -= piece.length;
      if (copy) this.reusedBytes += piece.length;
      if (piece.length > 0) yield piece;
    }
    if (remaining > 0) throw new XetUnavailable(`the reconstruction of ${this.what} ends ${remaining} bytes short`);
  }

  /** All the ranges of one signed xorb URL, in one request (multipart/byteranges when there are several), decoded. */
  private async fetchXorbRanges(xorb: string, fetch: XorbFetch, signal?: AbortSignal): Promise<Map<XorbByteRange, Uint8Array[]>> {
    const what = `xorb ${xorb.slice(0, 12)}… of ${this.what}`;
    const header = `bytes=${fetch.ranges.map((range) => `${range.bytes.start}-${range.bytes.end}`).join(",")}`;
    const { response, watch } = await this.http.send(fetch.url, { headers: { range: header }, signal, what });
    try {
      if (response.status === 403) {
        await response.body?.cancel().catch(() => {});
        throw new RetryableResponseError(403, 0, `the signed URL of ${what} expired (HTTP 403); asking for the reconstruction again`);
      }
      if (response.status !== 200 && response.status !== 206) {
        await response.body?.cancel().catch(() => {});
        if (response.status === 429 || response.status >= 500) {
          throw new RetryableResponseError(response.status, serverRequestedDelayMs(response.headers), `HTTP ${response.status} from the Xet storage for ${what}`);
        }
        throw new XetUnavailable(`${what}: HTTP ${response.status}`);
      }
      const asked = fetch.ranges.reduce((sum, range) => sum + range.bytes.end - range.bytes.start + 1, 0);
      const largest = Math.max(...fetch.ranges.map((range) => range.bytes.end + 1));
      const limit = response.status === 200 ? largest : asked + PART_OVERHEAD_BYTES * fetch.ranges.length;
      const body = await readLimitedBytes(response, limit, () => new XetUnavailable(`${what}: the answer is larger than the ranges asked`), watch.touch);
      this.fetchedBytes += body.length;
      return decodeRanges(fetch.ranges, rangeBodies(fetch.ranges, body, response, what));
    } finally {
      watch.release();
    }
  }
}

/** Each asked range's bytes, from a single-range 206, a multipart 206, or a whole-xorb 200. */
function rangeBodies(ranges: readonly XorbByteRange[], body: Uint8Array, response: Response, what: string): Uint8Array[] {
  const wanted = (range: XorbByteRange) => range.bytes.end - range.bytes.start + 1;
  if (response.status === 200) return ranges.map((range) => body.subarray(range.bytes.start, range.bytes.end + 1));
  const contentType = response.headers.get("content-type") ?? "";
  if (!/multipart\/byteranges/i.test(contentType)) {
    const match = /^bytes (\d+)-(\d+)\//.exec(response.headers.get("content-range") ?? "");
    const only = ranges[0]!;
    if (ranges.length !== 1 || !match || Number(match[1]) !== only.bytes.start || Number(match[2]) !== only.bytes.end) {
      throw new XetUnavailable(`${what}: the answer does not hold the ranges asked`);
    }
    return [body];
  }
  const parts = parseByteRanges(body, contentType);
  return ranges.map((range) => {
    const part = parts.find((candidate) => candidate.start === range.bytes.start && candidate.end === range.bytes.end);
    if (!part || part.bytes.length !== wanted(range)) throw new XetUnavailable(`${what}: the multipart answer lacks bytes ${range.bytes.start}-${range.bytes.end}`);
    return part.bytes;
  });
}

function decodeRanges(ranges: readonly XorbByteRange[], bodies: readonly Uint8Array[]): Map<XorbByteRange, Uint8Array[]> {
  const decoded = new Map<XorbByteRange, Uint8Array[]>();
  ranges.forEach((range, index) => {
    try {
      decoded.set(range, decodeXorbChunks(bodies[index]!, range.chunks.end - range.chunks.start));
    } catch (error) {
      if (error instanceof XorbFormatError || error instanceof Lz4FormatError) throw new XetUnavailable(error.message);
      throw error;
    }
  });
  return decoded;
}

function locateTerm(reconstruction: Reconstruction, term: Term, what: string): { fetch: XorbFetch; range: XorbByteRange } {
  for (const fetch of reconstruction.fetches.get(term.xorb) ?? []) {
    const range = fetch.ranges.find((candidate) => candidate.chunks.start <= term.chunks.start && candidate.chunks.end >= term.chunks.end);
    if (range) return { fetch, range };
  }
  throw new XetUnavailable(`the reconstruction of ${what} names no URL for chunks ${term.chunks.start}-${term.chunks.end} of xorb ${term.xorb.slice(0, 12)}…`);
}

/** How many of the fetched terms read each range, so its decoded chunks are dropped after the last one. */
function countUses(reconstruction: Reconstruction, fetched: readonly Term[]): Map<XorbByteRange, number> {
  const uses = new Map<XorbByteRange, number>();
  for (const term of fetched) {
    const { range } = locateTerm(reconstruction, term, "");
    uses.set(range, (uses.get(range) ?? 0) + 1);
  }
  return uses;
}

/** A cached file's bytes for a term (verified when it was cached; the new file's sha256 checks them again). */
async function readLocal(copy: LocalCopy): Promise<Uint8Array> {
  const handle = await open(copy.path, "r");
  try {
    const bytes = new Uint8Array(copy.length);
    let read = 0;
    while (read < copy.length) {
      const { bytesRead } = await handle.read(bytes, read, copy.length - read, copy.offset + read);
      if (bytesRead === 0) throw new XetUnavailable(`the cached copy ${copy.path} is shorter than its index record`);
      read += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
