/**
 * Weights-like bytes, deterministic per seed: small float32 values on a 2^-16 grid, so their low
 * mantissa bytes are zero (LZ4 and ByteGrouping4 really compress them) while the rest varies enough
 * for content-defined chunk boundaries (a coarser grid gives runs no boundary falls in).
 */
export function weightsLike(length: number, seed: number): Uint8Array {
  const floats = new Float32Array(Math.ceil(length / 4));
  let x = seed;
  for (let i = 0; i < floats.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    floats[i] = (Math.round(((x >>> 8) / 2 ** 24 - 0.5) * 65536) / 65536) * 0.1;
  }
  return new Uint8Array(floats.buffer).slice(0, length);
}
