import type { ByteReader } from "./byte-reader.ts";
import type { XorbByteRange } from "./reconstruction.ts";
import { CHUNK_HEADER_BYTES, decodeChunkPayload, readChunkHeader, XorbFormatError } from "./xorb-chunks.ts";

/** Multipart headers and delimiters per part, on top of the ranges' own bytes. */
export const PART_OVERHEAD_BYTES = 1024;

/** How the storage answered a request for `ranges`: the whole xorb, one range, or `multipart/byteranges`. */
export type XorbAnswer = { readonly kind: "whole" } | { readonly kind: "single" } | { readonly kind: "multipart"; readonly boundary: string };

export function answerKind(response: Response, ranges: readonly XorbByteRange[]): XorbAnswer {
  if (response.status === 200) return { kind: "whole" };
  const contentType = response.headers.get("content-type") ?? "";
  if (/multipart\/byteranges/i.test(contentType)) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
    if (!boundary) throw new XorbFormatError("multipart answer without a boundary");
    return { kind: "multipart", boundary };
  }
  const match = /^bytes (\d+)-(\d+)\//.exec(response.headers.get("content-range") ?? "");
  const only = ranges[0]!;
  if (ranges.length !== 1 || !match || Number(match[1]) !== only.bytes.start || Number(match[2]) !== only.bytes.end) {
    throw new XorbFormatError("the answer does not hold the ranges asked");
  }
  return { kind: "single" };
}

/** The most body bytes an answer of this kind may have (a whole xorb is read only up to the last range asked). */
export function answerLimit(answer: XorbAnswer, ranges: readonly XorbByteRange[]): number {
  if (answer.kind === "whole") return Number.POSITIVE_INFINITY;
  return ranges.reduce((sum, range) => sum + range.bytes.end - range.bytes.start + 1, 0) + (answer.kind === "multipart" ? PART_OVERHEAD_BYTES * (ranges.length + 1) : 0);
}

/**
 * Decodes the chunks of `ranges` (ascending, as asked) as the body streams in, one chunk at a time,
 * each into the buffer `target` gives for it (exactly its decoded length), or skips it when `target`
 * gives none; yields the index of each chunk decoded. Each range must hold exactly its chunks;
 * multipart parts must come in the order asked (as storage servers send them).
 */
export async function* streamChunks(
  reader: ByteReader,
  answer: XorbAnswer,
  ranges: readonly XorbByteRange[],
  target: (index: number, decodedLength: number) => Uint8Array | undefined,
): AsyncGenerator<number> {
  let position = 0;
  for (const range of ranges) {
    if (answer.kind === "whole") {
      if (range.bytes.start < position) throw new XorbFormatError("ranges asked out of order");
      await reader.skip(range.bytes.start - position);
    } else if (answer.kind === "multipart") {
      const head = await reader.through("\r\n\r\n", PART_OVERHEAD_BYTES);
      const match = /content-range:\s*bytes\s+(\d+)-(\d+)\//i.exec(head);
      if (!head.includes(`--${answer.boundary}`) || !match) throw new XorbFormatError("multipart part without its delimiter or Content-Range");
      if (Number(match[1]) !== range.bytes.start || Number(match[2]) !== range.bytes.end) {
        throw new XorbFormatError(`the multipart answer lacks bytes ${range.bytes.start}-${range.bytes.end} where expected`);
      }
    }
    const length = range.bytes.end - range.bytes.start + 1;
    let consumed = 0;
    for (let index = range.chunks.start; index < range.chunks.end; index++) {
      if (consumed + CHUNK_HEADER_BYTES > length) throw new XorbFormatError(`xorb range cut short before chunk ${index}`);
      const header = readChunkHeader(reader.buffered(CHUNK_HEADER_BYTES) ?? (await reader.exactly(CHUNK_HEADER_BYTES)), 0);
      consumed += CHUNK_HEADER_BYTES + header.compressedLength;
      if (consumed > length) throw new XorbFormatError(`xorb data cut short inside chunk ${index}`);
      const into = target(index, header.uncompressedLength);
      if (!into) {
        await reader.skip(header.compressedLength);
        continue;
      }
      decodeChunkPayload(header, reader.buffered(header.compressedLength) ?? (await reader.parts(header.compressedLength)), into);
      yield index;
    }
    if (consumed !== length) throw new XorbFormatError(`xorb range has ${length - consumed} bytes after its ${range.chunks.end - range.chunks.start} chunks`);
    position = range.bytes.end + 1;
  }
}
