/**
 * LZ4 frame decoding (the format Xet chunks use: magic 0x184D2204, not raw blocks).
 *
 * Our own decoder rather than a dependency: the runtime dependency list is fixed, a frame decoder
 * is small, and Xet only ever needs "decode one frame of known decoded size into one buffer".
 * Checksums (block and content, xxHash32) are skipped, not verified: the end-to-end sha256 of
 * the file is the integrity guarantee, as for every other byte we download. The frame is read here,
 * its blocks are decoded in WebAssembly (lz4.wat, lz4-wasm.ts).
 */
import { lz4Areas } from "./lz4-wasm.ts";

export class Lz4FormatError extends Error {
  constructor(message: string) {
    super(`LZ4: ${message}`);
    this.name = "Lz4FormatError";
  }
}

const FRAME_MAGIC = 0x184d2204;
const FLAG_VERSION_MASK = 0xc0;
const FLAG_VERSION_01 = 0x40;
const FLAG_BLOCK_CHECKSUM = 0x10;
const FLAG_CONTENT_SIZE = 0x08;
const FLAG_CONTENT_CHECKSUM = 0x04;
const FLAG_DICTIONARY_ID = 0x01;
const BLOCK_UNCOMPRESSED = 0x80000000;

/** Where the decoded bytes go: `into` (exactly the decoded length) or a new array; un-grouped first when `byteGrouping4`. */
export type Lz4Target = { readonly into?: Uint8Array; readonly byteGrouping4?: boolean };

/** Decodes one LZ4 frame (whole, or in consecutive parts) that must decode to exactly `decodedLength` bytes. */
export function decodeLz4Frame(src: Uint8Array | readonly Uint8Array[], decodedLength: number, target: Lz4Target = {}): Uint8Array {
  const parts = src instanceof Uint8Array ? [src] : src;
  let srcLength = 0;
  for (const part of parts) srcLength += part.length;
  const areas = lz4Areas(Math.max(srcLength, decodedLength));
  const { heap, output } = areas;
  for (let at = areas.input, index = 0; index < parts.length; at += parts[index++]!.length) heap.set(parts[index]!, at);
  const reader = new FrameReader(heap.subarray(areas.input, areas.input + srcLength));
  if (reader.u32() !== FRAME_MAGIC) throw new Lz4FormatError("not an LZ4 frame (bad magic number)");
  const flags = reader.u8();
  if ((flags & FLAG_VERSION_MASK) !== FLAG_VERSION_01) throw new Lz4FormatError("unsupported frame version");
  if ((flags & FLAG_DICTIONARY_ID) !== 0) throw new Lz4FormatError("frames with a dictionary are not supported");
  reader.u8(); // block descriptor: the maximum block size does not matter when the output size is known
  if ((flags & FLAG_CONTENT_SIZE) !== 0) reader.skip(8);
  reader.skip(1); // header checksum
  const blockChecksum = (flags & FLAG_BLOCK_CHECKSUM) !== 0;
  let written = 0;
  for (;;) {
    const word = reader.u32();
    if (word === 0) break; // end mark
    const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
    const start = areas.input + reader.take(size);
    if ((word & BLOCK_UNCOMPRESSED) !== 0) {
      if (written + size > decodedLength) throw new Lz4FormatError("frame decodes to more bytes than announced");
      heap.copyWithin(output + written, start, start + size);
      written += size;
    } else {
      // Matches may reach back into earlier blocks of the same frame (linked blocks), never before its start.
      const end = areas.decodeBlock(start, start + size, output, output + written, output + decodedLength);
      if (end < 0) throw new Lz4FormatError(BLOCK_ERRORS[-end - 1]!);
      written = end - output;
    }
    if (blockChecksum) reader.skip(4);
  }
  if ((flags & FLAG_CONTENT_CHECKSUM) !== 0) reader.skip(4);
  if (written !== decodedLength) throw new Lz4FormatError(`frame decodes to ${written} bytes, ${decodedLength} announced`);
  let decoded = output;
  if (target.byteGrouping4) {
    areas.regroup4(output, areas.regrouped, decodedLength);
    decoded = areas.regrouped;
  }
  const dst = target.into ?? new Uint8Array(decodedLength);
  dst.set(heap.subarray(decoded, decoded + decodedLength));
  return dst;
}

/** lz4.wat's decodeBlock error codes -1, -2, …, in order. */
const BLOCK_ERRORS = [
  "literal length cut short",
  "literals run past the end of the block",
  "frame decodes to more bytes than announced",
  "match offset cut short",
  "match offset points before the start of the output",
  "match length cut short",
];

class FrameReader {
  private at = 0;
  constructor(private readonly src: Uint8Array) {}

  u8(): number {
    return this.src[this.take(1)]!;
  }

  u32(): number {
    const at = this.take(4);
    const s = this.src;
    return (s[at]! | (s[at + 1]! << 8) | (s[at + 2]! << 16) | (s[at + 3]! << 24)) >>> 0;
  }

  skip(count: number): void {
    this.take(count);
  }

  /** Advances past `count` bytes and returns where they start. */
  take(count: number): number {
    const at = this.at;
    if (at + count > this.src.length) throw new Lz4FormatError("frame cut short");
    this.at = at + count;
    return at;
  }
}
