/**
 * A Xet file made up from a seed, for multi-GiB benchmarks. Its layout (chunk lengths and schemes,
 * xorbs of up to 64 MiB, terms) is computed in well under a second, and any range of a xorb is
 * produced when asked (its LZ4 blocks written from plans, see lz4-shapes.ts), so the hub neither
 * chunks, compresses nor holds the file. The plain file is produced once, chunk by chunk, for its
 * sha256 and the bridge (`plainBlocks`).
 *
 * Like a file uploaded next to others: about GAPS_PER_XORB chunks of each xorb belong to no term of
 * this file, so a xorb is read as several ranges (one multi-range request per xorb).
 */
import { createCipheriv, createHash } from "node:crypto";
import { compress } from "lz4js";
import { mulberry32, sha256Hex } from "./content.ts";
import { type BlockPlan, decodeBlock, type Lz4Shape, lz4Shape, planBlock, writeBlock } from "./lz4-shapes.ts";
import { type BodyBytes, bytesIn } from "./http/body.ts";
import { type ChunkScheme, writeChunkHeader, writeU24 } from "./xorb-writer.ts";
import type { XetTerm, Xorb } from "./xet-store.ts";

/** Xet's own limit. */
export const SYNTHETIC_XORB_BYTES = 64 << 20;
const MIN_CHUNK = 8 << 10;
const MAX_CHUNK = 128 << 10;
/** Mean of the exponential part of a chunk's length above MIN_CHUNK (≈ 57 KiB chunks on average, as Xet's ~64 KiB). */
const CHUNK_LENGTH_SPREAD = 56 << 10;
const GAPS_PER_XORB = 3;
const MEAN_CHUNK = 57 << 10;
const SCHEMES: readonly ChunkScheme[] = ["lz4", "bg4-lz4", "none"];
/** Magic number, FLG, BD and header checksum, as lz4js writes them (no checksums, no content size). */
const FRAME_HEADER = compress(new Uint8Array(1)).subarray(0, 7);
/** Chunk header, frame header, the block's length word and the end mark. */
const CHUNK_HEADER = 8;
const FRAME_BEFORE_BLOCK = FRAME_HEADER.length + 4;
const FRAME_AFTER_BLOCK = 4;
const PLAIN_BLOCK_BYTES = 8 << 20;
const ZEROS = new Uint8Array(MAX_CHUNK);

export class SyntheticXetFile {
  /** Part of the cached files' names: change it when the bytes a (seed, size, xorbBytes) gives change. */
  static readonly VERSION = 1;
  readonly terms: readonly XetTerm[];
  readonly xorbs: readonly Xorb[];
  private readonly key: Buffer;
  /** Per chunk, in upload order (a file's chunks and the ones other files would use, interleaved). */
  private readonly plainLength: Uint32Array;
  private readonly encodedLength: Uint32Array;
  private readonly pick: Uint32Array;
  private readonly inFile: Uint8Array;
  /** Where each xorb starts in the xorbs laid end to end (`xorbBlocks`), and their total. */
  private readonly xorbStarts: number[] = [];
  /** The xorbs laid end to end, once `serveFrom` has them (else each range is produced when asked). */
  private stored: BodyBytes | undefined;

  constructor(
    readonly seed: string,
    readonly size: number,
    readonly xorbBytes = SYNTHETIC_XORB_BYTES,
  ) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`invalid synthetic Xet file size ${size}`);
    if (xorbBytes < MAX_CHUNK * 2) throw new RangeError(`synthetic xorbs of ${xorbBytes} bytes cannot hold two chunks`);
    const digest = createHash("sha256").update(`synthetic-xet\0${seed}`).digest();
    this.key = digest.subarray(0, 16);
    const random = mulberry32(digest.readUInt32LE(16));
    const gapChance = Math.min(0.25, (GAPS_PER_XORB * MEAN_CHUNK) / xorbBytes);
    const plain: number[] = [];
    const picks: number[] = [];
    const inFile: number[] = [];
    for (let covered = 0; covered < size; ) {
      const gap = plain.length > 0 && random() < gapChance;
      const length = Math.min(MAX_CHUNK, MIN_CHUNK + Math.floor(-CHUNK_LENGTH_SPREAD * Math.log(1 - random())));
      picks.push(Math.floor(random() * 2 ** 32));
      plain.push(gap ? length : Math.min(length, size - covered));
      inFile.push(gap ? 0 : 1);
      if (!gap) covered += plain.at(-1)!;
    }
    this.plainLength = Uint32Array.from(plain);
    this.pick = Uint32Array.from(picks);
    this.inFile = Uint8Array.from(inFile);
    this.encodedLength = Uint32Array.from(plain, (_, index) => this.encodedLengthOf(index));
    const { xorbs, terms } = this.pack();
    this.xorbs = xorbs;
    this.terms = terms;
  }

  /** Bytes of all xorbs laid end to end. */
  get xorbsSize(): number {
    return this.xorbStarts.at(-1)!;
  }

  /** Every xorb, whole, in order. */
  *xorbBlocks(): Generator<Uint8Array> {
    for (const xorb of this.xorbs) yield xorb.bytes(0, xorb.chunkOffsets.at(-1)!);
  }

  /** From now on, xorb ranges are slices of `bytes` (what xorbBlocks yields, e.g. written once to disk and mapped). */
  serveFrom(bytes: BodyBytes): void {
    if (bytes.byteLength !== this.xorbsSize) throw new RangeError(`stored xorbs of ${bytes.byteLength} bytes, ${this.xorbsSize} expected`);
    this.stored = bytes;
  }

  /** The plain file, in blocks of up to 8 MiB. */
  *plainBlocks(): Generator<Uint8Array> {
    let block = new Uint8Array(PLAIN_BLOCK_BYTES);
    let filled = 0;
    const scratch = new Uint8Array(2 * MAX_CHUNK);
    for (let index = 0; index < this.plainLength.length; index++) {
      if (this.inFile[index] === 0) continue;
      const length = this.plainLength[index]!;
      if (filled + length > block.length) {
        yield block.subarray(0, filled);
        block = new Uint8Array(PLAIN_BLOCK_BYTES);
        filled = 0;
      }
      this.render(index, scratch, 0, block.subarray(filled, filled + length));
      filled += length;
    }
    if (filled > 0) yield block.subarray(0, filled);
  }

  private scheme(index: number): ChunkScheme {
    return SCHEMES[index % SCHEMES.length]!;
  }

  private blockPlan(index: number): { shape: Lz4Shape; plan: BlockPlan } {
    const shape = lz4Shape(this.scheme(index) === "lz4" ? "lz4" : "bg4-lz4");
    return { shape, plan: planBlock(shape, this.pick[index]!, this.plainLength[index]!) };
  }

  private encodedLengthOf(index: number): number {
    if (this.scheme(index) === "none") return CHUNK_HEADER + this.plainLength[index]!;
    return CHUNK_HEADER + FRAME_BEFORE_BLOCK + this.blockPlan(index).plan.encodedLength + FRAME_AFTER_BLOCK;
  }

  /** Greedy xorbs of up to xorbBytes; terms are the runs of the file's chunks between gaps and xorb ends. */
  private pack(): { xorbs: Xorb[]; terms: XetTerm[] } {
    const xorbs: Xorb[] = [];
    const terms: XetTerm[] = [];
    let first = 0;
    let term: { xorb: string; start: number; end: number; unpackedLength: number; chunkLengths: number[] } | undefined;
    const seal = (end: number) => {
      const offsets = [0];
      for (let index = first; index < end; index++) offsets.push(offsets.at(-1)! + this.encodedLength[index]!);
      const hash = sha256Hex(`synthetic-xorb\0${this.seed}\0${this.size}\0${this.xorbBytes}\0${xorbs.length}`);
      const firstChunk = first;
      const at = this.xorbStarts.at(-1) ?? 0;
      this.xorbStarts.push(at + offsets.at(-1)!);
      const bytes = (start: number, stop: number) =>
        this.stored ? bytesIn(this.stored, at + start, at + stop) : this.produce({ firstChunk, chunkOffsets: offsets }, start, stop);
      xorbs.push({ hash, chunkOffsets: offsets, bytes });
      for (let index = first; index < end; index++) {
        if (this.inFile[index] === 0) {
          if (term) terms.push(term);
          term = undefined;
          continue;
        }
        if (!term) term = { xorb: hash, start: index - first, end: index - first, unpackedLength: 0, chunkLengths: [] };
        term.end++;
        term.unpackedLength += this.plainLength[index]!;
        term.chunkLengths.push(this.plainLength[index]!);
      }
      if (term) terms.push(term);
      term = undefined;
      first = end;
    };
    let bytes = 0;
    for (let index = 0; index < this.encodedLength.length; index++) {
      if (bytes + this.encodedLength[index]! > this.xorbBytes) {
        seal(index);
        bytes = 0;
      }
      bytes += this.encodedLength[index]!;
    }
    seal(this.encodedLength.length);
    return { xorbs, terms };
  }

  /** Bytes [start, stop) of a xorb: the chunks covering them, produced now. */
  private produce({ firstChunk, chunkOffsets: offsets }: { firstChunk: number; chunkOffsets: readonly number[] }, start: number, stop: number): Uint8Array {
    let from = 0;
    while (offsets[from + 1]! <= start) from++;
    let to = from;
    while (offsets[to]! < stop) to++;
    const out = new Uint8Array(offsets[to]! - offsets[from]!);
    for (let chunk = from; chunk < to; chunk++) this.render(firstChunk + chunk, out, offsets[chunk]! - offsets[from]!);
    return out.subarray(start - offsets[from]!, stop - offsets[from]!);
  }

  /** Writes chunk `index` as stored in its xorb into `out` at `at`; with `plain`, also its plain bytes. */
  private render(index: number, out: Uint8Array, at: number, plain?: Uint8Array): void {
    const length = this.plainLength[index]!;
    const scheme = this.scheme(index);
    writeChunkHeader(out, at, this.encodedLength[index]! - CHUNK_HEADER, scheme, length);
    if (scheme === "none") {
      const bytes = this.literals(index, length);
      out.set(bytes, at + CHUNK_HEADER);
      plain?.set(bytes);
      return;
    }
    const { shape, plan } = this.blockPlan(index);
    const frame = at + CHUNK_HEADER;
    out.set(FRAME_HEADER, frame);
    writeU32(out, frame + FRAME_HEADER.length, plan.encodedLength);
    const literals = this.literals(index, plan.literalLength);
    writeU32(out, writeBlock(shape, plan, literals, out, frame + FRAME_BEFORE_BLOCK), 0);
    if (!plain) return;
    if (scheme === "lz4") return decodeBlock(shape, plan, literals, plain);
    const grouped = new Uint8Array(length);
    decodeBlock(shape, plan, literals, grouped);
    ungroupBytes4(grouped, plain);
  }

  /** The literal bytes of a chunk: AES-128-CTR keystream, its counter starting at the chunk's index. */
  private literals(index: number, length: number): Buffer {
    const iv = Buffer.alloc(16);
    iv.writeUInt32BE(index, 4);
    return createCipheriv("aes-128-ctr", this.key, iv).update(ZEROS.subarray(0, length));
  }
}

/** The inverse of ByteGrouping4 (xorb-writer's groupBytes4). */
function ungroupBytes4(grouped: Uint8Array, out: Uint8Array): void {
  let from = 0;
  for (let group = 0; group < 4; group++) {
    for (let i = group; i < out.length; i += 4) out[i] = grouped[from++]!;
  }
}

function writeU32(out: Uint8Array, at: number, value: number): void {
  writeU24(out, at, value);
  out[at + 3] = (value >>> 24) & 0xff;
}
