/**
 * LZ4 frame decoding (the format Xet chunks use: magic 0x184D2204, not raw blocks).
 *
 * Our own decoder rather than a dependency: the runtime dependency list is fixed, a frame decoder
 * is small, and Xet only ever needs "decode one frame of known decoded size into one buffer".
 * Checksums (block and content, xxHash32) are skipped, not verified: the end-to-end sha256 of
 * the file is the integrity guarantee, as for every other byte we download.
 */

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
const MIN_MATCH = 4;

/** Decodes one LZ4 frame that must decode to exactly `decodedLength` bytes, into `scratch` when it is given and large enough. */
export function decodeLz4Frame(src: Uint8Array, decodedLength: number, scratch?: Uint8Array): Uint8Array {
  const dst = scratch && scratch.length >= decodedLength ? scratch.subarray(0, decodedLength) : new Uint8Array(decodedLength);
  const reader = new FrameReader(src);
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
    const start = reader.take(size);
    if ((word & BLOCK_UNCOMPRESSED) !== 0) {
      if (written + size > decodedLength) throw new Lz4FormatError("frame decodes to more bytes than announced");
      dst.set(src.subarray(start, start + size), written);
      written += size;
    } else {
      written = decodeLz4Block(src, start, start + size, dst, written);
    }
    if (blockChecksum) reader.skip(4);
  }
  if ((flags & FLAG_CONTENT_CHECKSUM) !== 0) reader.skip(4);
  if (written !== decodedLength) throw new Lz4FormatError(`frame decodes to ${written} bytes, ${decodedLength} announced`);
  return dst;
}

/**
 * Decodes one LZ4 block from `src[from, to)` into `dst` at `at`; returns the new end of output.
 * Matches may reach back into earlier blocks of the same frame (linked blocks), never before 0.
 */
export function decodeLz4Block(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  // Hot loop (model weights compress into many short sequences): lengths are read inline, and copies
  // shorter than SHORT_COPY are unrolled byte loops, because a subarray view per copy costs more than the bytes.
  let s = from;
  let d = at;
  const dstEnd = dst.length;
  while (s < to) {
    const token = src[s++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let byte: number;
      do {
        if (s >= to) throw new Lz4FormatError("literal length cut short");
        byte = src[s++]!;
        literals += byte;
      } while (byte === 255);
    }
    const literalsEnd = s + literals;
    if (literalsEnd > to) throw new Lz4FormatError("literals run past the end of the block");
    if (d + literals > dstEnd) throw new Lz4FormatError("frame decodes to more bytes than announced");
    if (literals < SHORT_COPY) {
      for (const fourAtOnce = literalsEnd - 3; s < fourAtOnce; s += 4, d += 4) {
        dst[d] = src[s]!;
        dst[d + 1] = src[s + 1]!;
        dst[d + 2] = src[s + 2]!;
        dst[d + 3] = src[s + 3]!;
      }
      while (s < literalsEnd) dst[d++] = src[s++]!;
    } else {
      dst.set(src.subarray(s, literalsEnd), d);
      s = literalsEnd;
      d += literals;
    }
    if (s === to) break; // the last sequence has literals only
    if (s + 2 > to) throw new Lz4FormatError("match offset cut short");
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Lz4FormatError("match offset points before the start of the output");
    let length = (token & 15) + MIN_MATCH;
    if (length === 15 + MIN_MATCH) {
      let byte: number;
      do {
        if (s >= to) throw new Lz4FormatError("match length cut short");
        byte = src[s++]!;
        length += byte;
      } while (byte === 255);
    }
    const matchEnd = d + length;
    if (matchEnd > dstEnd) throw new Lz4FormatError("frame decodes to more bytes than announced");
    let m = d - offset;
    if (length < SHORT_COPY) {
      // Byte by byte, in order: an overlapping match (offset < length) repeats its pattern as it should.
      dst[d] = dst[m]!;
      dst[d + 1] = dst[m + 1]!;
      dst[d + 2] = dst[m + 2]!;
      dst[d + 3] = dst[m + 3]!;
      for (d += MIN_MATCH, m += MIN_MATCH; d < matchEnd; ) dst[d++] = dst[m++]!;
    } else {
      copyLongMatch(dst, d, offset, length);
      d = matchEnd;
    }
  }
  return d;
}

/** Below this many bytes, a copy is a byte loop (measured: 32 was slower on weights-like data, 256 no faster). */
const SHORT_COPY = 128;

/** A long match in one copyWithin; one that overlaps its own output by doubling strides of its period (an offset of 1 costs log(length) copies). */
function copyLongMatch(dst: Uint8Array, at: number, offset: number, length: number): void {
  const from = at - offset;
  if (offset >= length) {
    dst.copyWithin(at, from, from + length);
    return;
  }
  let d = at;
  let remaining = length;
  while (remaining > 0) {
    const stride = Math.min(d - from, remaining);
    dst.copyWithin(d, from, from + stride);
    d += stride;
    remaining -= stride;
  }
}

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
