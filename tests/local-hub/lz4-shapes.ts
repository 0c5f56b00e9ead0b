/**
 * LZ4 blocks written from a plan instead of compressed: a fixed list of sequences (literal length,
 * match length, match offset) shaped like LZ4's output on weights, so the compressed size of any
 * block is known from prefix sums without producing it, and producing it costs a keystream and a
 * pass over the sequences. The decoded bytes are random literals and the copies the matches make.
 */

import { mulberry32 } from "./content.ts";

/** The sequence statistics of a chunk scheme, measured with lz4js on `weightsLike` data. */
export type ShapeKind = "lz4" | "bg4-lz4";

export interface Lz4Shape {
  readonly literal: Int32Array;
  readonly match: Int32Array;
  readonly offset: Int32Array;
  /** Over the doubled list, length 2n + 1: decoded bytes, encoded bytes and literal bytes before sequence i. */
  readonly decodedBefore: Float64Array;
  readonly encodedBefore: Float64Array;
  readonly literalsBefore: Float64Array;
  /** Sequences a block may start at (at least one literal, so the first match has something to copy). */
  readonly starts: Uint32Array;
}

/** A block of `length` decoded bytes: `count` sequences from `first`, then a literal-only sequence of `tail` bytes. */
export interface BlockPlan {
  readonly first: number;
  readonly count: number;
  readonly tail: number;
  readonly encodedLength: number;
  readonly literalLength: number;
}

/** Decoded bytes the list covers once; a block (≤ 128 KiB) starting anywhere in the first copy ends in the second. */
const SHAPE_COVERAGE = 256 << 10;
/** LZ4's end rules: the last match ends at least 12 bytes before the block's end (so the last 5 bytes are literals). */
const LAST_MATCH_MARGIN = 12;

const shapes = new Map<ShapeKind, Lz4Shape>();

export function lz4Shape(kind: ShapeKind): Lz4Shape {
  let shape = shapes.get(kind);
  if (!shape) shapes.set(kind, (shape = buildShape(kind)));
  return shape;
}

/**
 * lz4js on weights-like chunks: plain LZ4 ≈ 0.99 of the size, 23 sequences per KiB, literal runs
 * of ~40 bytes; after ByteGrouping4 ≈ 0.87, 105 sequences per KiB, mostly 0–1 literals and 4–5
 * byte matches with nearby offsets.
 */
function buildShape(kind: ShapeKind): Lz4Shape {
  const random = mulberry32(kind === "lz4" ? 0x5eed_0001 : 0x5eed_0002);
  const exponential = (mean: number) => Math.floor(-mean * Math.log(1 - random()));
  const literal: number[] = [];
  const match: number[] = [];
  const offset: number[] = [];
  for (let covered = 0; covered < SHAPE_COVERAGE; ) {
    const lit = kind === "lz4" ? exponential(39) : random() < 0.85 ? Math.floor(random() * 2) : exponential(33);
    const extra = random() < (kind === "lz4" ? 0.25 : 0.2) ? exponential(kind === "lz4" ? 3 : 2) : 0;
    literal.push(lit);
    match.push(4 + extra);
    offset.push(1 + Math.floor((kind === "lz4" ? random() : random() ** 2) * (kind === "lz4" ? 35_000 : 6_000)));
    covered += lit + 4 + extra;
  }
  const n = literal.length;
  const doubled = (values: number[]) => Int32Array.from([...values, ...values]);
  const shape = { literal: doubled(literal), match: doubled(match), offset: doubled(offset) };
  const decodedBefore = new Float64Array(2 * n + 1);
  const encodedBefore = new Float64Array(2 * n + 1);
  const literalsBefore = new Float64Array(2 * n + 1);
  for (let i = 0; i < 2 * n; i++) {
    const lit = shape.literal[i]!;
    const m = shape.match[i]!;
    decodedBefore[i + 1] = decodedBefore[i]! + lit + m;
    encodedBefore[i + 1] = encodedBefore[i]! + 1 + lengthBytes(lit) + lit + 2 + lengthBytes(m - 4);
    literalsBefore[i + 1] = literalsBefore[i]! + lit;
  }
  const starts = literal.flatMap((lit, index) => (lit > 0 ? [index] : []));
  return { ...shape, decodedBefore, encodedBefore, literalsBefore, starts: Uint32Array.from(starts) };
}

/** The block of `length` decoded bytes that starts at the shape's `pick`-th possible start. */
export function planBlock(shape: Lz4Shape, pick: number, length: number): BlockPlan {
  const first = shape.starts[pick % shape.starts.length]!;
  const budget = shape.decodedBefore[first]! + Math.max(0, length - LAST_MATCH_MARGIN);
  // The most sequences whose decoded bytes fit the budget.
  let low = first;
  let high = first + shape.literal.length / 2;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if (shape.decodedBefore[mid]! <= budget) low = mid;
    else high = mid - 1;
  }
  const count = low - first;
  const tail = length - (shape.decodedBefore[low]! - shape.decodedBefore[first]!);
  const encodedLength = shape.encodedBefore[low]! - shape.encodedBefore[first]! + 1 + lengthBytes(tail) + tail;
  const literalLength = shape.literalsBefore[low]! - shape.literalsBefore[first]! + tail;
  return { first, count, tail, encodedLength, literalLength };
}

/**
 * Writes the block into `out` at `at` with `literals` (plan.literalLength bytes) as its literal
 * bytes; returns the end of the block in `out`. Tight loops over Int32Arrays: this runs for every
 * xorb byte the hub produces.
 */
export function writeBlock(shape: Lz4Shape, plan: BlockPlan, literals: Buffer, out: Uint8Array, at: number): number {
  const { literal, match, offset: offsets } = shape;
  let o = at | 0;
  let from = 0;
  let produced = 0;
  const last = (plan.first + plan.count) | 0;
  for (let index = plan.first | 0; index < last; index++) {
    const lit = literal[index]! | 0;
    const extra = (match[index]! - 4) | 0;
    out[o++] = ((lit < 15 ? lit : 15) << 4) | (extra < 15 ? extra : 15);
    if (lit >= 15) o = writeLength(out, o, lit - 15);
    copyLiterals(literals, from, lit, out, o);
    o += lit;
    from += lit;
    produced += lit;
    const offset = offsets[index]! < produced ? offsets[index]! : produced;
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
    if (extra >= 15) o = writeLength(out, o, extra - 15);
    produced += extra + 4;
  }
  const tail = plan.tail;
  out[o++] = (tail < 15 ? tail : 15) << 4;
  if (tail >= 15) o = writeLength(out, o, tail - 15);
  literals.copy(out, o, from, from + tail);
  return o + tail;
}

/** What the block writeBlock writes decodes to, into `decoded` (plan's length). */
export function decodeBlock(shape: Lz4Shape, plan: BlockPlan, literals: Buffer, decoded: Uint8Array): void {
  const { literal, match, offset: offsets } = shape;
  let from = 0;
  let produced = 0;
  const last = (plan.first + plan.count) | 0;
  for (let index = plan.first | 0; index < last; index++) {
    const lit = literal[index]! | 0;
    copyLiterals(literals, from, lit, decoded, produced);
    from += lit;
    produced += lit;
    const offset = offsets[index]! < produced ? offsets[index]! : produced;
    for (const end = produced + match[index]!; produced < end; produced++) decoded[produced] = decoded[produced - offset]!;
  }
  literals.copy(decoded, produced, from, from + plan.tail);
}

/** A byte loop for short runs, Buffer.copy (no subarray to allocate) for longer ones. */
function copyLiterals(literals: Buffer, from: number, length: number, to: Uint8Array, at: number): void {
  if (length >= 16) literals.copy(to, at, from, from + length);
  else for (let i = 0; i < length; i++) to[at + i] = literals[from + i]!;
}

function writeLength(out: Uint8Array, at: number, rest: number): number {
  let o = at;
  for (; rest >= 255; rest -= 255) out[o++] = 255;
  out[o++] = rest;
  return o;
}

/** Bytes of the length continuation of a token nibble that holds `value` (15 or more spills over). */
function lengthBytes(value: number): number {
  return value < 15 ? 0 : Math.floor((value - 15) / 255) + 1;
}
