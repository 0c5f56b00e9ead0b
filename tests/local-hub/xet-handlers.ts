/** The Xet routes: the read token on the hub; reconstructions (v1, v2) and signed xorb ranges on the CAS (the CDN listener). */
import { randomBytes } from "node:crypto";
import type { CdnSigner } from "./cdn-signing.ts";
import { type ContentReply, withoutContent } from "./range.ts";
import { errorReply, type HeaderList, type HubReply, jsonReply } from "./responses.ts";
import type { XetFile, XetStore, XetTerm, Xorb } from "./xet-store.ts";

export interface XetSettings {
  /** Lifetime of Xet access tokens; default 3600 s. */
  xetTokenTtlSeconds: number;
  /** false: /v2/reconstructions answers 404, so clients fall back to /v1. */
  xetReconstructionV2: boolean;
}

/** Access tokens the CAS accepts, with their expiry (on the CDN clock, so tests can expire them). */
export class XetTokens {
  private readonly expiry = new Map<string, number>();

  issue(signer: CdnSigner, ttlSeconds: number): { accessToken: string; exp: number } {
    const accessToken = `xet_${randomBytes(24).toString("base64url")}`;
    const exp = signer.nowSeconds() + ttlSeconds;
    this.expiry.set(accessToken, exp);
    return { accessToken, exp };
  }

  isToken(value: string): boolean {
    return this.expiry.has(value);
  }

  check(authorization: string | undefined, signer: CdnSigner): "valid" | "expired" | "missing" {
    const token = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    const exp = token === undefined ? undefined : this.expiry.get(token);
    if (exp === undefined) return "missing";
    return exp <= signer.nowSeconds() ? "expired" : "valid";
  }
}

/** `GET /api/{type}s/{repo}/xet-read-token/{rev}`: JSON body and the same facts as headers (huggingface_hub reads those). */
export function xetTokenReply(token: { accessToken: string; exp: number }, casUrl: string): HubReply {
  return jsonReply(200, { accessToken: token.accessToken, exp: token.exp, casUrl }, [
    ["X-Xet-Cas-Url", casUrl],
    ["X-Xet-Access-Token", token.accessToken],
    ["X-Xet-Token-Expiration", String(token.exp)],
  ]);
}

export function xorbPath(hash: string): string {
  return `/xorbs/default/${hash}`;
}

export interface ReconstructionRequest {
  readonly version: "v1" | "v2";
  readonly file: XetFile;
  readonly store: XetStore;
  readonly range: string | undefined;
  readonly signer: CdnSigner;
  readonly casUrl: string;
  /** Announce a wrong `unpacked_length` for the first and last terms (a fault; see misannounced). */
  readonly wrongUnpackedLength: boolean;
}

/**
 * The wrong-`unpacked_length` fault: one byte moved from the last term to the first, so the lengths
 * still add up to the file and only a per-term check notices (a lone term is announced one too long).
 */
function misannounced(index: number, terms: number): number {
  if (index === 0) return 1;
  return index === terms - 1 ? -1 : 0;
}

/**
 * `GET {cas}/v{1,2}/reconstructions/{hash}` with an optional `Range: bytes=a-b` of the file; 416 from
 * the end on. As the Hub's CAS, the terms at either end of a range keep only the chunks that hold
 * bytes of it, so `offset_into_first_range` falls in the first chunk.
 */
export function reconstructionReply(request: ReconstructionRequest): HubReply {
  const { file } = request;
  const wanted = parseSingleRange(request.range, file.size);
  if (wanted === "unsatisfiable") return errorReply(416, undefined, `Requested range not satisfiable (file size ${file.size})`, [["Content-Range", `bytes */${file.size}`]]);
  const [first, last] = wanted ?? [0, file.size - 1];
  const chosen: XetTerm[] = [];
  let offsetIntoFirstRange = 0;
  let termStart = 0;
  for (const term of file.terms) {
    const termEnd = termStart + term.unpackedLength;
    if (termEnd > first && termStart <= last) {
      const trimmed = chunksWithin(term, termStart, first, last);
      if (chosen.length === 0) offsetIntoFirstRange = first - trimmed.fileStart;
      chosen.push(trimmed.term);
    }
    termStart = termEnd;
  }
  const terms = chosen.map((term, index) => ({
    hash: term.xorb,
    unpacked_length: term.unpackedLength + (request.wrongUnpackedLength ? misannounced(index, chosen.length) : 0),
    range: { start: term.start, end: term.end },
  }));
  const byXorb = new Map<string, Map<string, XetTerm>>();
  for (const term of chosen) {
    const ranges = byXorb.get(term.xorb) ?? new Map<string, XetTerm>();
    ranges.set(`${term.start}-${term.end}`, term);
    byXorb.set(term.xorb, ranges);
  }
  const url = (xorb: string) => request.signer.sign(request.casUrl, xorbPath(xorb), []);
  const bytesOf = (term: XetTerm) => {
    const offsets = request.store.xorb(term.xorb)!.chunkOffsets;
    return { start: offsets[term.start]!, end: offsets[term.end]! - 1 };
  };
  if (request.version === "v1") {
    const fetchInfo = Object.fromEntries(
      [...byXorb].map(([xorb, ranges]) => [
        xorb,
        [...ranges.values()].map((term) => ({ range: { start: term.start, end: term.end }, url: url(xorb), url_range: bytesOf(term) })),
      ]),
    );
    return jsonReply(200, { offset_into_first_range: offsetIntoFirstRange, terms, fetch_info: fetchInfo });
  }
  const xorbs = Object.fromEntries(
    [...byXorb].map(([xorb, ranges]) => [
      xorb,
      [{ url: url(xorb), ranges: [...ranges.values()].map((term) => ({ chunks: { start: term.start, end: term.end }, bytes: bytesOf(term) })) }],
    ]),
  );
  return jsonReply(200, { offset_into_first_range: offsetIntoFirstRange, terms, xorbs });
}

/** The chunks of a term starting at file offset `termStart` that hold bytes of [first, last], and where the first of them starts. */
function chunksWithin(term: XetTerm, termStart: number, first: number, last: number): { term: XetTerm; fileStart: number } {
  const lengths = term.chunkLengths;
  let from = 0;
  let fileStart = termStart;
  while (fileStart + lengths[from]! <= first) fileStart += lengths[from++]!;
  let to = from;
  let end = fileStart;
  while (to < lengths.length && end <= last) end += lengths[to++]!;
  if (from === 0 && to === lengths.length) return { term, fileStart };
  const kept = lengths.slice(from, to);
  const unpackedLength = kept.reduce((sum, length) => sum + length, 0);
  return { term: { ...term, start: term.start + from, end: term.start + to, unpackedLength, chunkLengths: kept }, fileStart };
}

/** A xorb's bytes: whole, one range (206), or several ranges as `multipart/byteranges` (206). */
export function xorbReply(xorb: Xorb, rangeHeader: string | undefined): ContentReply {
  const size = xorb.chunkOffsets.at(-1)!;
  const headers: HeaderList = [["Accept-Ranges", "bytes"]];
  if (rangeHeader === undefined) return { reply: { status: 200, headers: [["Content-Type", "application/octet-stream"], ...headers], body: xorb.bytes(0, size) }, bodyStart: 0, hasContent: true };
  const ranges = parseRanges(rangeHeader, size);
  if (!ranges) return withoutContent({ status: 416, headers: [...headers, ["Content-Range", `bytes */${size}`]], body: new Uint8Array(0) });
  if (ranges.length === 1) {
    const [start, end] = ranges[0]!;
    return {
      reply: { status: 206, headers: [["Content-Type", "application/octet-stream"], ...headers, ["Content-Range", `bytes ${start}-${end}/${size}`]], body: xorb.bytes(start, end + 1) },
      bodyStart: start,
      hasContent: true,
    };
  }
  const boundary = randomBytes(12).toString("hex");
  const parts: Uint8Array[] = [];
  for (const [start, end] of ranges) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${start}-${end}/${size}\r\n\r\n`));
    parts.push(xorb.bytes(start, end + 1), Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  // Body faults (corrupt offsets) then count from the start of the multipart body.
  return { reply: { status: 206, headers: [["Content-Type", `multipart/byteranges; boundary=${boundary}`], ...headers], body: Buffer.concat(parts) }, bodyStart: 0, hasContent: true };
}

function parseSingleRange(header: string | undefined, size: number): [number, number] | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  if (start >= size) return "unsatisfiable";
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  return end < start ? undefined : [start, end];
}

/** `bytes=a-b,c-d,…` with explicit ends inside the object, or undefined (answered 416). */
function parseRanges(header: string, size: number): [number, number][] | undefined {
  const match = /^bytes=(.*)$/.exec(header.trim());
  if (!match) return undefined;
  const ranges: [number, number][] = [];
  for (const part of match[1]!.split(",")) {
    const range = /^\s*(\d+)-(\d+)\s*$/.exec(part);
    if (!range) return undefined;
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), size - 1);
    if (start > end || start >= size) return undefined;
    ranges.push([start, end]);
  }
  return ranges;
}
