import { decodeLz4Frame } from "./lz4-frame.ts";
import { lz4Areas } from "./lz4-wasm.ts";

/**
 * Xorb bytes are a run of chunks, each an 8-byte header and its payload:
 * version u8 (0), compressed length u24 LE, scheme u8, uncompressed length u24 LE.
 */
export const CHUNK_HEADER_BYTES = 8;

export const CompressionScheme = { none: 0, lz4: 1, byteGrouping4Lz4: 2 } as const;

export class XorbFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "XorbFormatError";
  }
}

export type ChunkHeader = {
  readonly compressedLength: number;
  readonly scheme: number;
  readonly uncompressedLength: number;
};

export function readChunkHeader(bytes: Uint8Array, at: number): ChunkHeader {
  if (at + CHUNK_HEADER_BYTES > bytes.length) throw new XorbFormatError("xorb data cut short inside a chunk header");
  const version = bytes[at]!;
  if (version !== 0) throw new XorbFormatError(`unsupported xorb chunk version ${version}`);
  return {
    compressedLength: u24(bytes, at + 1),
    scheme: bytes[at + 4]!,
    uncompressedLength: u24(bytes, at + 5),
  };
}

/**
 * Decodes exactly `count` chunks from the start of `bytes` (the body of one xorb byte range)
 * and returns each chunk's decoded bytes. Refuses a range that is cut short or has bytes left over.
 */
export function decodeXorbChunks(bytes: Uint8Array, count: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let index = 0; index < count; index++) {
    const header = readChunkHeader(bytes, at);
    const start = at + CHUNK_HEADER_BYTES;
    const end = start + header.compressedLength;
    if (end > bytes.length) throw new XorbFormatError(`xorb data cut short inside chunk ${index} of ${count}`);
    chunks.push(decodeChunkPayload(header, bytes.subarray(start, end)));
    at = end;
  }
  if (at !== bytes.length) throw new XorbFormatError(`xorb range has ${bytes.length - at} bytes after its ${count} chunks`);
  return chunks;
}

/** A chunk's decoded bytes, written into `into` (exactly the decoded length) when given; the payload whole or in consecutive parts. */
export function decodeChunkPayload(header: ChunkHeader, payload: Uint8Array | readonly Uint8Array[], into?: Uint8Array): Uint8Array {
  if (into && into.length !== header.uncompressedLength) throw new XorbFormatError("internal: chunk target of the wrong length");
  switch (header.scheme) {
    case CompressionScheme.none: {
      const parts = payload instanceof Uint8Array ? [payload] : payload;
      if (parts.reduce((sum, part) => sum + part.length, 0) !== header.uncompressedLength) throw new XorbFormatError("uncompressed chunk length disagrees with its header");
      if (!into && payload instanceof Uint8Array) return payload;
      const out = into ?? new Uint8Array(header.uncompressedLength);
      parts.reduce((at, part) => (out.set(part, at), at + part.length), 0);
      return out;
    }
    case CompressionScheme.lz4:
      return decodeLz4Frame(payload, header.uncompressedLength, { into });
    case CompressionScheme.byteGrouping4Lz4:
      return decodeLz4Frame(payload, header.uncompressedLength, { into, byteGrouping4: true });
    default:
      throw new XorbFormatError(`unsupported xorb compression scheme ${header.scheme}`);
  }
}

/**
 * ByteGrouping4 stores byte i of every 4-byte word together (all first bytes, then all second bytes…),
 * which compresses floating-point weights better. Group g holds ceil((n - g) / 4) bytes. Chunks are
 * un-grouped as they are decoded (decodeLz4Frame); this is the same step on its own.
 */
export function regroupBytes4(grouped: Uint8Array, out: Uint8Array = new Uint8Array(grouped.length)): Uint8Array {
  const areas = lz4Areas(grouped.length);
  areas.heap.set(grouped, areas.output);
  areas.regroup4(areas.output, areas.regrouped, grouped.length);
  out.set(areas.heap.subarray(areas.regrouped, areas.regrouped + grouped.length));
  return out;
}

function u24(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
}
