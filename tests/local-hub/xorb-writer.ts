import { compress } from "lz4js";

/** How the local hub stores a chunk in a xorb (the three schemes Xet uses). */
export type ChunkScheme = "none" | "lz4" | "bg4-lz4";

const SCHEME_BYTE: Record<ChunkScheme, number> = { none: 0, lz4: 1, "bg4-lz4": 2 };

/** One chunk as stored in a xorb: 8-byte header (version, compressed u24 LE, scheme, uncompressed u24 LE) and payload. */
export function encodeChunk(plain: Uint8Array, scheme: ChunkScheme): Uint8Array {
  const payload = scheme === "none" ? plain : compress(scheme === "bg4-lz4" ? groupBytes4(plain) : plain);
  const out = new Uint8Array(8 + payload.length);
  writeChunkHeader(out, 0, payload.length, scheme, plain.length);
  out.set(payload, 8);
  return out;
}

/** The 8-byte chunk header, into `out` at `at`. */
export function writeChunkHeader(out: Uint8Array, at: number, payloadLength: number, scheme: ChunkScheme, plainLength: number): void {
  out[at] = 0;
  writeU24(out, at + 1, payloadLength);
  out[at + 4] = SCHEME_BYTE[scheme];
  writeU24(out, at + 5, plainLength);
}

/** ByteGrouping4: byte i of every 4-byte word together; group g holds ceil((n - g) / 4) bytes. */
export function groupBytes4(plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length);
  let to = 0;
  for (let group = 0; group < 4; group++) {
    for (let i = group; i < plain.length; i += 4) out[to++] = plain[i]!;
  }
  return out;
}

export function writeU24(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
}
