import { decodeLz4Frame } from "./lz4-frame.ts";

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

/** Decoding is synchronous: the intermediate buffers can be reused from one chunk to the next. */
let groupedScratch = new Uint8Array(0);
let alignedScratch = new Uint8Array(0);

/** A chunk's decoded bytes, written into `into` (exactly the decoded length) when given. */
export function decodeChunkPayload(header: ChunkHeader, payload: Uint8Array, into?: Uint8Array): Uint8Array {
  if (into && into.length !== header.uncompressedLength) throw new XorbFormatError("internal: chunk target of the wrong length");
  switch (header.scheme) {
    case CompressionScheme.none:
      if (payload.length !== header.uncompressedLength) throw new XorbFormatError("uncompressed chunk length disagrees with its header");
      into?.set(payload);
      return into ?? payload;
    case CompressionScheme.lz4:
      return decodeLz4Frame(payload, header.uncompressedLength, into);
    case CompressionScheme.byteGrouping4Lz4:
      groupedScratch = groupedScratch.length >= header.uncompressedLength ? groupedScratch : new Uint8Array(header.uncompressedLength);
      return regroupBytes4(decodeLz4Frame(payload, header.uncompressedLength, groupedScratch), into);
    default:
      throw new XorbFormatError(`unsupported xorb compression scheme ${header.scheme}`);
  }
}

/**
 * ByteGrouping4 stores byte i of every 4-byte word together (all first bytes, then all second bytes…),
 * which compresses floating-point weights better. Group g holds ceil((n - g) / 4) bytes.
 */
export function regroupBytes4(grouped: Uint8Array, out: Uint8Array = new Uint8Array(grouped.length)): Uint8Array {
  const n = grouped.length;
  const words = n >>> 2;
  const tail = n & 3;
  const g1 = words + (tail > 0 ? 1 : 0);
  const g2 = g1 + words + (tail > 1 ? 1 : 0);
  const g3 = g2 + words + (tail > 2 ? 1 : 0);
  if (LITTLE_ENDIAN && out.byteOffset % 4 !== 0) {
    // One 32-bit store per word needs an aligned target: regroup into one, then copy.
    alignedScratch = alignedScratch.length >= n ? alignedScratch : new Uint8Array(n);
    out.set(regroupBytes4(grouped, alignedScratch.subarray(0, n)));
    return out;
  }
  if (LITTLE_ENDIAN) {
    const out32 = new Uint32Array(out.buffer, out.byteOffset, words);
    for (let i = 0; i < words; i++) out32[i] = grouped[i]! | (grouped[g1 + i]! << 8) | (grouped[g2 + i]! << 16) | (grouped[g3 + i]! << 24);
  } else {
    for (let i = 0; i < words; i++) {
      out[4 * i] = grouped[i]!;
      out[4 * i + 1] = grouped[g1 + i]!;
      out[4 * i + 2] = grouped[g2 + i]!;
      out[4 * i + 3] = grouped[g3 + i]!;
    }
  }
  const starts = [0, g1, g2];
  for (let group = 0; group < tail; group++) out[4 * words + group] = grouped[starts[group]! + words]!;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function u24(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
}
