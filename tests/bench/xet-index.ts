/**
 * The index record of cached Xet files (`xetChunks`, the chunk runs that let an upgrade copy shared
 * chunks) for large files (not part of the test suite): `bun tests/bench/xet-index.ts [--files 5]
 * [--size-gib 8] [--runs 5]`. Builds the index a cache holding that many Xet files of that size
 * would have (chunk runs as the local hub's synthetic Xet files lay them out: ≈ 57 KiB chunks,
 * 64 MiB xorbs) and reports its size on disk and the time, median of the runs, to parse and check
 * it (every run of the CLI does, through src/cache/index-schema.ts), to write it back (every
 * update), and to build the chunk catalog from it (a run that downloads something does).
 */
import { parseArgs } from "node:util";
import { type CacheIndex, parseIndex, serializeIndex } from "../../src/cache/index-schema.ts";
import { ChunkCatalog, fromStored, toStored } from "../../src/transfer/xet/chunk-map.ts";
import { SyntheticXetFile } from "../local-hub/xet-synthetic.ts";
import { median } from "./measure.ts";

const { values } = parseArgs({ options: { files: { type: "string", default: "5" }, "size-gib": { type: "string", default: "8" }, runs: { type: "string", default: "5" } } });
const fileCount = Number(values.files);
const size = Number(values["size-gib"]) * 1024 ** 3;
const runs = Number(values.runs);
const stamp = new Date().toISOString();

const models: Record<string, unknown> = {};
let chunkCount = 0;
for (let index = 0; index < fileCount; index++) {
  const file = new SyntheticXetFile(`xet-index-${index}`, size);
  let fileOffset = 0;
  const chunkRuns = file.terms.map((term) => {
    const run = { xorb: term.xorb, firstChunk: term.start, fileOffset, lengths: term.chunkLengths };
    fileOffset += term.unpackedLength;
    chunkCount += term.chunkLengths.length;
    return run;
  });
  models[`org/model-${index}`] = {
    repoId: `org/model-${index}`,
    repoType: "model",
    revision: "main",
    commit: "0".repeat(40),
    localDir: `model-${index}`,
    selection: "all",
    verify: "sha256",
    completedAt: stamp,
    verifiedAt: stamp,
    files: [{ path: "model.safetensors", size, lfs: true, oid: "1".repeat(40), sha256: "2".repeat(64), mtimeMs: 1, xetChunks: toStored(chunkRuns) }],
  };
}
const text = serializeIndex({ version: 1, models } as unknown as CacheIndex);

const timings = { parse: [] as number[], write: [] as number[], catalog: [] as number[] };
for (let run = 0; run < runs; run++) {
  let started = performance.now();
  const index = parseIndex(JSON.parse(text));
  if (!index) throw new Error("the index built here does not pass the schema");
  timings.parse.push(performance.now() - started);
  started = performance.now();
  serializeIndex(index);
  timings.write.push(performance.now() - started);
  started = performance.now();
  new ChunkCatalog(Object.values(index.models).map((entry) => ({ path: entry.localDir, size, mtimeMs: 1, runs: fromStored(entry.files[0]!.xetChunks!) })));
  timings.catalog.push(performance.now() - started);
}
const MiB = 1024 * 1024;
const ms = (list: number[]) => `${median(list).toFixed(0)} ms`;
const table = [
  "| cache | index size | per file | chunks per file | parse + check | write | chunk catalog |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  `| ${fileCount} Xet files of ${size / 1024 ** 3} GiB | ${(text.length / MiB).toFixed(1)} MiB | ${(text.length / fileCount / 1024).toFixed(0)} KiB | ${Math.round(chunkCount / fileCount)} | ${ms(timings.parse)} | ${ms(timings.write)} | ${ms(timings.catalog)} |`,
].join("\n");
console.log(table);
