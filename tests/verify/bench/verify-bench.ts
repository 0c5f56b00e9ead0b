/**
 * verifyFiles at sha256 against `sha256sum` run on each file one after another.
 *   bun tests/verify/bench/verify-bench.ts [dir] [files=4] [GiB per file=1] [runs=3]
 * Creates the files (random bytes) in `dir` when missing; reads are from page cache after the first run.
 */

import { existsSync, mkdirSync, openSync, closeSync, writeSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { verifyFiles } from "../../../src/verify/verify-files.ts";

const [dir = "/tmp/mm-verify-bench", countArg = "4", gibArg = "1", runsArg = "3"] = process.argv.slice(2);
const count = Number(countArg);
const size = Math.round(Number(gibArg) * 1024 ** 3);
const runs = Number(runsArg);
mkdirSync(dir, { recursive: true });

const names = Array.from({ length: count }, (_, i) => `f${i + 1}.bin`);
for (const name of names) {
  const path = join(dir, name);
  if (existsSync(path) && statSync(path).size === size) continue;
  const fd = openSync(path, "w");
  const chunk = new Uint8Array(8 << 20);
  for (let written = 0; written < size; ) written += writeSync(fd, fillRandom(chunk), 0, Math.min(chunk.byteLength, size - written));
  closeSync(fd);
}

function fillRandom(chunk: Uint8Array): Uint8Array {
  for (let offset = 0; offset < chunk.byteLength; offset += 65536) crypto.getRandomValues(chunk.subarray(offset, offset + 65536));
  return chunk;
}

function sha256sumSequential(): { seconds: number; digests: string[] } {
  const start = performance.now();
  const digests = names.map((name) => {
    const result = Bun.spawnSync(["sha256sum", join(dir, name)]);
    return result.stdout.toString().split(" ")[0] ?? "";
  });
  return { seconds: (performance.now() - start) / 1000, digests };
}

async function ours(concurrency: number): Promise<{ seconds: number; digests: string[] }> {
  const start = performance.now();
  const files = names.map((path) => ({ path, size, oid: "0".repeat(40), lfs: true, sha256: "0".repeat(64) }));
  const result = await verifyFiles(dir, files, "sha256", { concurrency });
  return { seconds: (performance.now() - start) / 1000, digests: names.map((name) => result.digests.get(name)?.sha256 ?? "") };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const cpus = availableParallelism();
const times: Record<string, number[]> = { sha256sum: [], [`verifyFiles x${cpus}`]: [], "verifyFiles x1": [] };
let reference: string[] | undefined;
for (let run = 0; run < runs; run++) {
  const measurements = [
    ["sha256sum", sha256sumSequential()],
    [`verifyFiles x${cpus}`, await ours(cpus)],
    ["verifyFiles x1", await ours(1)],
  ] as const;
  for (const [label, { seconds, digests }] of measurements) {
    reference ??= digests;
    if (digests.join() !== reference.join()) throw new Error(`${label} computed different digests`);
    times[label]?.push(seconds);
  }
}
const base = median(times.sha256sum ?? []);
console.log(`${count} x ${gibArg} GiB, ${cpus} CPUs, ${runs} runs (median, all runs)`);
for (const [label, values] of Object.entries(times)) {
  console.log(`${label.padEnd(16)} ${median(values).toFixed(2)} s  ratio ${(median(values) / base).toFixed(2)}  [${values.map((v) => v.toFixed(2)).join(", ")}]`);
}
