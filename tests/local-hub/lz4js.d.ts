// The subset of lz4js (a devDependency: the reference LZ4 compressor for tests and the local hub) we call.
declare module "lz4js" {
  export function compress(src: Uint8Array): Uint8Array;
  export function compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  export function compressBound(n: number): number;
  /** Decodes a whole frame; `maxSize` bounds (and, when exact, sizes) the output. */
  export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
