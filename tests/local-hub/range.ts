/** Single byte ranges (fact sheet §3.5): 206 with Content-Range, ends clamped to EOF, suffixes, 416. */
import type { BodyBytes } from "./http/body.ts";
import type { HeaderList, HubReply } from "./responses.ts";

type ByteRange = { readonly kind: "full" } | { readonly kind: "partial"; readonly start: number; readonly end: number } | { readonly kind: "unsatisfiable" };

/** Anything but one well-formed `bytes=` range is ignored (full body), as RFC 9110 allows; multi-range included. */
function parseRange(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "full" };
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? Number.POSITIVE_INFINITY : Number(match[2]);
  if (end < start) return { kind: "full" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end: Math.min(end, size - 1) };
}

export interface ContentReply {
  readonly reply: HubReply;
  /** File offset of the first body byte. */
  readonly bodyStart: number;
  /** True for 200/206 replies that carry file bytes. */
  readonly hasContent: boolean;
}

/** A reply without file bytes in its body (redirects, errors). */
export function withoutContent(reply: HubReply): ContentReply {
  return { reply, bodyStart: 0, hasContent: false };
}

export function contentReply(bytes: BodyBytes, rangeHeader: string | undefined, headers: HeaderList): ContentReply {
  const size = bytes.byteLength;
  const range = parseRange(rangeHeader, size);
  if (range.kind === "unsatisfiable") {
    const reply: HubReply = { status: 416, headers: [...headers, ["Content-Range", `bytes */${size}`]], body: new Uint8Array(0) };
    return { reply, bodyStart: 0, hasContent: false };
  }
  if (range.kind === "full") return { reply: { status: 200, headers, body: bytes }, bodyStart: 0, hasContent: true };
  const reply: HubReply = {
    status: 206,
    headers: [...headers, ["Content-Range", `bytes ${range.start}-${range.end}/${size}`]],
    body: bytes.subarray(range.start, range.end + 1),
  };
  return { reply, bodyStart: range.start, hasContent: true };
}
