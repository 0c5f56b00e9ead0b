import * as v from "valibot";
import { errorFromResponse, type HubRequestContext } from "../../hub/errors.ts";
import type { HubHttp } from "../../hub/http.ts";
import { servedUrlProblem } from "../../hub/url-guard.ts";
import { describeUrl } from "../../hub/urls.ts";
import { readXetJson } from "./xet-answer.ts";
import type { XetTokenSource } from "./xet-token.ts";
import { XetUnavailable } from "./xet-errors.ts";

/** Chunk indices of a xorb, end exclusive. */
export type ChunkRange = { readonly start: number; readonly end: number };
/** A byte range of a xorb holding whole chunks; `end` is inclusive, as in a Range header. */
export type XorbByteRange = { readonly chunks: ChunkRange; readonly bytes: { readonly start: number; readonly end: number } };
/** One signed URL of a xorb and the ranges to ask it for, together (one multi-range request). */
export type XorbFetch = { readonly url: string; readonly ranges: readonly XorbByteRange[] };
export type Term = { readonly xorb: string; readonly chunks: ChunkRange; readonly unpackedLength: number };

/** Which terms rebuild a byte range of a file, and where their chunks are (v1 answers normalised to this v2 shape). */
export type Reconstruction = {
  /** Bytes of the first term's decoded data before the range asked for. */
  readonly offsetIntoFirstRange: number;
  readonly terms: readonly Term[];
  readonly fetches: ReadonlyMap<string, readonly XorbFetch[]>;
};

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Hash = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const Chunks = v.object({ start: Count, end: Count });
const Bytes = v.object({ start: Count, end: Count });
const TermJson = v.object({ hash: Hash, unpacked_length: Count, range: Chunks });
const V2 = v.object({
  offset_into_first_range: Count,
  terms: v.array(TermJson),
  xorbs: v.record(Hash, v.array(v.object({ url: v.string(), ranges: v.array(v.object({ chunks: Chunks, bytes: Bytes })) }))),
});
const V1 = v.object({
  offset_into_first_range: Count,
  terms: v.array(TermJson),
  fetch_info: v.record(Hash, v.array(v.object({ range: Chunks, url: v.string(), url_range: Bytes }))),
});

/**
 * 16 MiB holds ~80 000 terms and their ranges, one per 13 KiB of a 1 GiB plan window, while chunks
 * average 64 KiB and a term is a run of them; a larger answer sends the file to the bridge. Parsed, an
 * answer takes about eight times its size: a larger limit would let a CAS break the memory budget.
 */
const RECONSTRUCTION_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Xorbs hold at most 64 MiB of chunks; twice that leaves room. Bytes past it are no xorb's: a range
 * reaching there would let the storage stream (and the client skip through) junk for as long as it likes.
 */
const XORB_BYTES_LIMIT = 128 * 1024 * 1024;

/** Statuses on which a CAS without the v2 API is asked the deprecated v1 instead. */
const V2_MISSING = new Set([404, 405, 501]);

/**
 * Asks the CAS how to rebuild bytes [start, end) of a Xet file: v2 first, v1 when the CAS has no v2;
 * the token is fetched again once when the CAS refuses it. The answer must arrive within the API
 * deadline; the xorb requests that follow are watched each.
 */
export class ReconstructionClient {
  private version: "v2" | "v1" = "v2";

  constructor(
    private readonly http: HubHttp,
    private readonly tokens: XetTokenSource,
    private readonly context: HubRequestContext,
    private readonly xetHash: string,
  ) {}

  async fetch(start: number, end: number, signal?: AbortSignal): Promise<Reconstruction> {
    for (let refusals = 0; ; ) {
      const access = await this.tokens.get(signal);
      const url = `${access.casUrl}/${this.version}/reconstructions/${this.xetHash}`;
      const what = `the Xet reconstruction of "${this.context.path}"`;
      const result = await this.http.send(url, {
        headers: { range: `bytes=${start}-${end - 1}` },
        signal,
        what,
        bearer: { token: access.accessToken, origin: new URL(access.casUrl).origin },
        // An API answer: a CAS trickling it a byte now and then never stalls, and must not hold the file forever.
        deadlineMs: this.http.settings.apiDeadlineMs,
      });
      const { response, watch } = result;
      try {
        if (response.status === 401 && refusals === 0) {
          refusals++;
          this.tokens.invalidate(access);
          continue;
        }
        if (this.version === "v2" && V2_MISSING.has(response.status)) {
          this.version = "v1";
          continue;
        }
        if (!response.ok) {
          const error = await errorFromResponse(response, this.context, url);
          throw response.status === 429 || response.status >= 500 ? error : new XetUnavailable(`${what}: HTTP ${response.status}`);
        }
        const json = await readXetJson(response, RECONSTRUCTION_LIMIT_BYTES, what, watch.touch);
        const reconstruction = this.version === "v2" ? fromV2(json) : fromV1(json);
        if (!reconstruction) throw new XetUnavailable(`${what}: the CAS's answer is not a ${this.version} reconstruction`);
        const problem = inconsistency(reconstruction);
        if (problem) throw new XetUnavailable(`${what}: the CAS's answer ${problem}`);
        return reconstruction;
      } finally {
        await response.body?.cancel().catch(() => {});
        watch.release();
      }
    }
  }
}

function fromV2(json: unknown): Reconstruction | undefined {
  const parsed = v.safeParse(V2, json);
  return parsed.success ? normalised(parsed.output, Object.entries(parsed.output.xorbs)) : undefined;
}

/** v1 gives one signed URL per range: each becomes a fetch of one range. */
function fromV1(json: unknown): Reconstruction | undefined {
  const parsed = v.safeParse(V1, json);
  if (!parsed.success) return undefined;
  const fetches = Object.entries(parsed.output.fetch_info).map(([xorb, infos]): [string, XorbFetch[]] => [
    xorb,
    infos.map((info) => ({ url: info.url, ranges: [{ chunks: info.range, bytes: info.url_range }] })),
  ]);
  return normalised(parsed.output, fetches);
}

function normalised(output: { offset_into_first_range: number; terms: v.InferOutput<typeof TermJson>[] }, fetches: [string, readonly XorbFetch[]][]): Reconstruction {
  return { offsetIntoFirstRange: output.offset_into_first_range, terms: output.terms.map(toTerm), fetches: new Map(fetches) };
}

function toTerm(term: v.InferOutput<typeof TermJson>): Term {
  return { xorb: term.hash, chunks: term.range, unpackedLength: term.unpacked_length };
}

/**
 * What makes a well-formed answer unusable, or undefined: chunk and byte ranges must be non-empty
 * and in order, the offset must fall inside the first term, and every URL must be one we fetch
 * (absolute http(s), no credentials).
 */
function inconsistency(reconstruction: Reconstruction): string | undefined {
  const first = reconstruction.terms[0];
  if (first && reconstruction.offsetIntoFirstRange >= first.unpackedLength) {
    return `skips ${reconstruction.offsetIntoFirstRange} bytes of a first term of ${first.unpackedLength}`;
  }
  for (const term of reconstruction.terms) {
    if (term.chunks.end <= term.chunks.start) return `names chunks ${term.chunks.start}-${term.chunks.end} of xorb ${term.xorb.slice(0, 12)}…`;
    if (term.unpackedLength === 0) return `announces an empty term (chunks ${term.chunks.start}-${term.chunks.end} of xorb ${term.xorb.slice(0, 12)}…)`;
  }
  for (const [xorb, fetches] of reconstruction.fetches) {
    for (const fetch of fetches) {
      const problem = servedUrlProblem(fetch.url);
      if (problem) return `gives xorb ${xorb.slice(0, 12)}… a URL that ${problem} (${describeUrl(fetch.url)})`;
      for (const { chunks, bytes } of fetch.ranges) {
        if (chunks.end <= chunks.start || bytes.end < bytes.start) {
          return `names chunks ${chunks.start}-${chunks.end} at bytes ${bytes.start}-${bytes.end} of xorb ${xorb.slice(0, 12)}…`;
        }
        if (bytes.end >= XORB_BYTES_LIMIT) return `names bytes ${bytes.start}-${bytes.end} of xorb ${xorb.slice(0, 12)}…, past the size of any xorb`;
      }
    }
  }
  return undefined;
}
