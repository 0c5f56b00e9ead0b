import { XorbFormatError } from "./xorb-chunks.ts";

/** One part of a `multipart/byteranges` answer: the range it says it holds (inclusive end) and its bytes. */
export type BytePart = { readonly start: number; readonly end: number; readonly bytes: Uint8Array };

/**
 * Splits a `multipart/byteranges` body into its parts, each located by its Content-Range (not by
 * searching the payload for the boundary, which binary data may contain).
 */
export function parseByteRanges(body: Uint8Array, contentType: string): BytePart[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new XorbFormatError("multipart answer without a boundary");
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = `--${boundary}`;
  const parts: BytePart[] = [];
  let at = text.indexOf(delimiter);
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (text.toString("latin1", afterDelimiter, afterDelimiter + 2) === "--") return parts;
    const headEnd = text.indexOf("\r\n\r\n", afterDelimiter);
    if (headEnd < 0) throw new XorbFormatError("multipart part without the end of its headers");
    const head = text.toString("latin1", afterDelimiter, headEnd);
    const range = /content-range:\s*bytes\s+(\d+)-(\d+)\//i.exec(head);
    if (!range) throw new XorbFormatError("multipart part without a Content-Range");
    const start = Number(range[1]);
    const end = Number(range[2]);
    const dataStart = headEnd + 4;
    const dataEnd = dataStart + (end - start + 1);
    if (dataEnd > text.length) throw new XorbFormatError("multipart part cut short");
    parts.push({ start, end, bytes: body.subarray(dataStart, dataEnd) });
    at = text.indexOf(delimiter, dataEnd);
  }
  throw new XorbFormatError("multipart answer without its closing delimiter");
}
