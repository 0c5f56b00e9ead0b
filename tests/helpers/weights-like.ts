/** Weights-like bytes (float32 on a coarse grid, deterministic per seed) that LZ4 and ByteGrouping4 really compress. */
export function weightsLike(length: number, seed: number): Uint8Array {
  const floats = new Float32Array(Math.ceil(length / 4));
  let x = seed;
  for (let i = 0; i < floats.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    floats[i] = Math.round(((x >>> 8) / 2 ** 24 - 0.5) * 256) / 256;
  }
  return new Uint8Array(floats.buffer).slice(0, length);
}
