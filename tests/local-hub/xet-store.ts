/**
 * Xet storage for the local hub: LFS files of Xet repos are cut into content-defined chunks, stored
 * in xorbs (chunks deduplicated across every file the hub serves, so two revisions that share
 * content share terms), and described as reconstructions (terms: xorb hash + chunk index range).
 */
import { sha256Hex } from "./content.ts";
import type { BodyBytes } from "./http/body.ts";
import type { SyntheticXetFile } from "./xet-synthetic.ts";
import { type ChunkScheme, encodeChunk } from "./xorb-writer.ts";

/** Content-defined chunking (a gear rolling hash): 8 KiB minimum, ~64 KiB average, 128 KiB maximum, as Xet. */
const MIN_CHUNK = 8 << 10;
const MAX_CHUNK = 128 << 10;
const BOUNDARY_MASK = 0xffff0000;
/** Smaller than Xet's 64 MiB so small test files span several xorbs. */
export const XORB_MAX_BYTES = 1 << 20;
/** Terms of at most this many chunks, so a xorb a file uses is usually fetched as several ranges (multi-range). */
export const TERM_MAX_CHUNKS = 8;
/** Chunks cycle through the three schemes, so every file exercises all of them. */
const SCHEMES: readonly ChunkScheme[] = ["lz4", "bg4-lz4", "none"];

/** Gear tables for a 64-bit rolling hash kept as two 32-bit halves (as Xet's: a boundary depends on the last 64 bytes). */
const [GEAR_HI, GEAR_LO] = (() => {
  const hi = new Uint32Array(256);
  const lo = new Uint32Array(256);
  let x = 0x9e3779b9;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  for (let i = 0; i < 256; i++) {
    hi[i] = next();
    lo[i] = next();
  }
  return [hi, lo];
})();

export function chunkBoundaries(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  let start = 0;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const sum = ((lo << 1) >>> 0) + GEAR_LO[byte]!;
    hi = (((hi << 1) | (lo >>> 31)) + GEAR_HI[byte]! + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    lo = sum >>> 0;
    const length = i + 1 - start;
    if ((length >= MIN_CHUNK && (hi & BOUNDARY_MASK) === 0) || length >= MAX_CHUNK) {
      ends.push(i + 1);
      start = i + 1;
      hi = 0;
      lo = 0;
    }
  }
  if (start < bytes.length) ends.push(bytes.length);
  return ends;
}

export interface Xorb {
  readonly hash: string;
  /** Byte offset of each serialized chunk (header + payload), and the end: length = chunk count + 1. */
  readonly chunkOffsets: readonly number[];
  /** Bytes [start, stop) of the serialized chunks. */
  bytes(start: number, stop: number): Uint8Array;
}

export interface XetTerm {
  readonly xorb: string;
  /** Chunk indices, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly unpackedLength: number;
  /** Each chunk's decoded length, so a reconstruction of a range can leave out the chunks outside it. */
  readonly chunkLengths: readonly number[];
}

export interface XetFile {
  readonly xetHash: string;
  readonly size: number;
  readonly terms: readonly XetTerm[];
}

interface ChunkRef {
  readonly xorb: string;
  readonly index: number;
  readonly length: number;
}

export class XetStore {
  private readonly xorbs = new Map<string, Xorb>();
  private readonly chunks = new Map<string, ChunkRef>();
  private readonly files = new Map<string, XetFile>();
  private schemeCounter = 0;

  /** `content` finds a Xet file by its hash: its bytes, chunked on first use, or a synthetic layout. */
  constructor(
    private readonly content: (xetHash: string) => { readonly bytes: BodyBytes; readonly synthetic?: SyntheticXetFile } | undefined,
  ) {}

  /** The Xet file id of an LFS object (a stand-in for the real Merkle hash: clients only pass it back). */
  static xetHashOf(sha256: string): string {
    return sha256Hex(`xet-file\0${sha256}`);
  }

  file(xetHash: string): XetFile | undefined {
    const existing = this.files.get(xetHash);
    if (existing) return existing;
    const content = this.content(xetHash);
    if (!content) return undefined;
    if (content.synthetic) return this.adopt(xetHash, content.synthetic);
    if (!(content.bytes instanceof Uint8Array)) throw new RangeError(`Xet file ${xetHash}: over 4 GiB, declare it with syntheticXet to serve it through Xet`);
    return this.ingest(xetHash, content.bytes);
  }

  xorb(hash: string): Xorb | undefined {
    return this.xorbs.get(hash);
  }

  private adopt(xetHash: string, synthetic: SyntheticXetFile): XetFile {
    for (const xorb of synthetic.xorbs) this.xorbs.set(xorb.hash, xorb);
    const file: XetFile = { xetHash, size: synthetic.size, terms: synthetic.terms };
    this.files.set(xetHash, file);
    return file;
  }

  private ingest(xetHash: string, bytes: Uint8Array): XetFile {
    const refs: ChunkRef[] = [];
    let building: { chunks: Uint8Array[]; size: number; keys: string[]; lengths: number[] } = { chunks: [], size: 0, keys: [], lengths: [] };
    const seal = () => {
      if (building.chunks.length === 0) return;
      const xorbBytes = new Uint8Array(building.size);
      const offsets = [0];
      for (const chunk of building.chunks) {
        xorbBytes.set(chunk, offsets.at(-1)!);
        offsets.push(offsets.at(-1)! + chunk.length);
      }
      const hash = sha256Hex(xorbBytes);
      this.xorbs.set(hash, { hash, chunkOffsets: offsets, bytes: (start, stop) => xorbBytes.subarray(start, stop) });
      building.keys.forEach((key, index) => this.chunks.set(key, { xorb: hash, index, length: building.lengths[index]! }));
      building = { chunks: [], size: 0, keys: [], lengths: [] };
    };
    // First pass: store new chunks in new xorbs; second pass: every chunk is known.
    const pieces: { key: string; plain: Uint8Array }[] = [];
    let start = 0;
    for (const end of chunkBoundaries(bytes)) {
      const plain = bytes.subarray(start, end);
      pieces.push({ key: sha256Hex(plain), plain });
      start = end;
    }
    const queued = new Set<string>();
    for (const { key, plain } of pieces) {
      if (this.chunks.has(key) || queued.has(key)) continue;
      const encoded = encodeChunk(plain, SCHEMES[this.schemeCounter++ % SCHEMES.length]!);
      if (building.size + encoded.length > XORB_MAX_BYTES) seal();
      building.chunks.push(encoded);
      building.size += encoded.length;
      building.keys.push(key);
      building.lengths.push(plain.length);
      queued.add(key);
    }
    seal();
    for (const { key } of pieces) refs.push(this.chunks.get(key)!);
    const file: XetFile = { xetHash, size: bytes.length, terms: termsOf(refs) };
    this.files.set(xetHash, file);
    return file;
  }
}

/** Runs of consecutive chunks of one xorb, at most TERM_MAX_CHUNKS long. */
function termsOf(refs: readonly ChunkRef[]): XetTerm[] {
  const terms: XetTerm[] = [];
  let current: { xorb: string; start: number; end: number; unpackedLength: number; chunkLengths: number[] } | undefined;
  for (const ref of refs) {
    if (current && current.xorb === ref.xorb && current.end === ref.index && current.end - current.start < TERM_MAX_CHUNKS) {
      current.end++;
      current.unpackedLength += ref.length;
      current.chunkLengths.push(ref.length);
      continue;
    }
    if (current) terms.push(current);
    current = { xorb: ref.xorb, start: ref.index, end: ref.index + 1, unpackedLength: ref.length, chunkLengths: [ref.length] };
  }
  if (current) terms.push(current);
  return terms;
}
