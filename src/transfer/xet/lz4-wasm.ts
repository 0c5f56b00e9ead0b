import { LZ4_WASM_BASE64 } from "./lz4-wasm-module.ts";

/**
 * The WebAssembly half of chunk decoding (source: lz4.wat): one instance, and its memory cut into
 * three areas of equal capacity (a chunk's frame, its decoded bytes, its regrouped bytes), each
 * followed by SLACK bytes that the wild 16-byte copies may overrun. Decoding is synchronous, so
 * the areas are reused from one chunk to the next; the memory grows to the largest chunk seen.
 */

/** The most a copy in lz4.wat writes or reads past the end of its area. */
const SLACK = 64;
const PAGE = 64 * 1024;

type Lz4Exports = {
  readonly memory: WebAssembly.Memory;
  decodeBlock(s: number, sEnd: number, base: number, d: number, dEnd: number): number;
  regroup4(src: number, dst: number, n: number): void;
};

export type Lz4Areas = {
  /** The module's memory; a new view after the memory grew. */
  readonly heap: Uint8Array;
  readonly input: number;
  readonly output: number;
  readonly regrouped: number;
  readonly decodeBlock: Lz4Exports["decodeBlock"];
  readonly regroup4: Lz4Exports["regroup4"];
};

let instance: Lz4Exports | undefined;
let current: Lz4Areas | undefined;
let capacity = 0;

/** The areas, each holding at least `bytes` bytes. */
export function lz4Areas(bytes: number): Lz4Areas {
  if (current && bytes <= capacity) return current;
  instance ??= new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(LZ4_WASM_BASE64, "base64"))).exports as unknown as Lz4Exports;
  capacity = Math.max(capacity, Math.ceil(bytes / PAGE) * PAGE);
  const stride = capacity + SLACK;
  const needed = 3 * stride;
  const { memory } = instance;
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
  current = {
    heap: new Uint8Array(memory.buffer),
    input: 0,
    output: stride,
    regrouped: 2 * stride,
    decodeBlock: instance.decodeBlock,
    regroup4: instance.regroup4,
  };
  return current;
}
