/**
 * Decode-only speed of Xet chunks (not part of the test suite): `bun tests/bench/lz4-decode.ts
 * [--mib 128] [--rounds 5]`. Weights-like data (tests/helpers/weights-like.ts) cut into 64 KiB
 * chunks, compressed by lz4js (the reference compressor of the tests) as LZ4 and as ByteGrouping4
 * + LZ4, then decoded chunk by chunk into one reused buffer as a download does (decodeChunkPayload):
 * prints the median seconds per GiB of decoded bytes for each scheme. Every decoded chunk is
 * checked against its plain bytes once, outside the timing.
 */
import { parseArgs } from "node:util";
import { type ChunkHeader, decodeChunkPayload, readChunkHeader } from "../../src/transfer/xet/xorb-chunks.ts";
import { weightsLike } from "../helpers/weights-like.ts";
import { type ChunkScheme, encodeChunk } from "../local-hub/xorb-writer.ts";
import { median } from "./measure.ts";

const { values } = parseArgs({ options: { mib: { type: "string", default: "128" }, rounds: { type: "string", default: "5" } } });
const CHUNK = 64 * 1024;
const count = (Number(values.mib) * 1024 * 1024) / CHUNK;
const target = new Uint8Array(CHUNK);

for (const scheme of ["lz4", "bg4-lz4"] as ChunkScheme[]) {
  const chunks: { header: ChunkHeader; payload: Uint8Array; plain: Uint8Array }[] = [];
  for (let index = 0; index < count; index++) {
    const plain = weightsLike(CHUNK, index + 1);
    const encoded = encodeChunk(plain, scheme);
    chunks.push({ header: readChunkHeader(encoded, 0), payload: encoded.subarray(8), plain });
  }
  for (const { header, payload, plain } of chunks) {
    if (!Buffer.from(decodeChunkPayload(header, payload, target)).equals(Buffer.from(plain))) throw new Error(`${scheme}: a chunk decodes wrong`);
  }
  const seconds: number[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const started = performance.now();
    for (const { header, payload } of chunks) decodeChunkPayload(header, payload, target);
    seconds.push((performance.now() - started) / 1000);
  }
  const ratio = chunks.reduce((sum, chunk) => sum + chunk.payload.length, 0) / (count * CHUNK);
  console.log(`${scheme}: ${(median(seconds) / ((count * CHUNK) / 2 ** 30)).toFixed(2)} s/GiB decoded (median of ${seconds.length}), compressed to ${(ratio * 100).toFixed(0)} %`);
}
