/**
 * Xet upgrade benchmark (not part of the test suite):
 * `bun tests/bench/xet.ts [--size-mib 64,256] [--runs 3] [--bandwidth 40MB] [--results xet-latest]`.
 *
 * A repository whose second revision rewrites 5 % of a weights file. Each run downloads the first
 * revision into a fresh cache, then (timed, bytes counted) upgrades to the second, for:
 * model-manager native Xet (chunk reuse), model-manager through the bridge (MODEL_MANAGER_XET=0),
 * and huggingface_hub 1.33 + hf_xet 1.6 (its chunk cache is off by default, as shipped). Every
 * upgraded file is checked against the new revision's sha256. The tools alternate within a run;
 * the table gives medians. One large file, native vs bridge, is tests/bench/xet-large.ts.
 *
 * The local hub runs in this process, throttled per connection; the tools are spawned under
 * /usr/bin/time (measure.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { sha256OfFile } from "../helpers/hub-scenario.ts";
import { pythonSkipReason, venvPython } from "../helpers/python-venv.ts";
import { weightsLike } from "../helpers/weights-like.ts";
import { generateBytes, LocalHub, parseSize, type RequestRecord, TEST_TOKENS } from "../local-hub/index.ts";
import { measure, median, type Sample } from "./measure.ts";

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "64,256" },
    runs: { type: "string", default: "3" },
    bandwidth: { type: "string", default: "40MB" },
    results: { type: "string", default: "xet-latest" },
  },
});
const MiB = 1024 * 1024;
const sizes = values["size-mib"]!.split(",").map((text) => Number(text) * MiB);
const runs = Number(values.runs);
const bandwidth = parseSize(values.bandwidth!);
const FILE = "model.safetensors";
const repoOf = (size: number) => `bench/upgrade-${size / MiB}`;

const hub = await LocalHub.start({
  dataDir: join(tempDir("mm-xet-bench"), "data"),
  repos: sizes.map((size) => {
    const first = weightsLike(size, 1);
    const second = first.slice();
    // New weights in one region: random bytes, so the change shares nothing with the rest of the file.
    second.set(generateBytes(`xet-bench-change-${size}`, Math.floor(size * 0.05)), Math.floor(size * 0.45));
    return { id: repoOf(size), xet: true, commits: [{ files: { [FILE]: first } }, { files: { [FILE]: second } }], tags: { v1: 0 } };
  }),
});
const binary = await binaryPath();
// The hub chunks and compresses a file on its first reconstruction: do it now, outside the timings.
for (const size of sizes) {
  for (const revision of ["v1", "main"]) {
    const token = (await (await fetch(`${hub.url}/api/models/${repoOf(size)}/xet-read-token/${revision}`)).json()) as { accessToken: string; casUrl: string };
    const hash = hub.xetHash(repoOf(size), FILE, { revision });
    await (await fetch(`${token.casUrl}/v2/reconstructions/${hash}`, { headers: { authorization: `Bearer ${token.accessToken}` } })).arrayBuffer();
  }
}
hub.setThrottle({ bytesPerSecond: bandwidth });

type Upgrade = { readonly sample: Sample; readonly xorbBytes: number; readonly bridgeBytes: number; readonly otherBytes: number; readonly requests: number };
type Tool = { readonly name: string; readonly upgrade: (repo: string, expectedSha256: string) => Promise<Upgrade> };

/** What the CDN listener (CAS and bridge) sent for the timed step, by kind, and the requests to both listeners. */
function counted(sample: Sample, records: readonly RequestRecord[]): Upgrade {
  const cdn = records.filter((record) => record.listener === "cdn");
  const bytes = (keep: (record: RequestRecord) => boolean) => cdn.filter(keep).reduce((sum, record) => sum + record.bodyBytes, 0);
  return {
    sample,
    xorbBytes: bytes((record) => record.route === "xorb"),
    bridgeBytes: bytes((record) => record.route === "cdn"),
    otherBytes: bytes((record) => record.route !== "xorb" && record.route !== "cdn"),
    requests: records.length,
  };
}

function modelManager(name: string, env: Record<string, string>): Tool {
  const config = (repo: string, revision: string) => `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${repo}\n    revision: ${revision}\n`;
  const runAt = (cwd: string, repo: string, revision: string) => {
    writeFileSync(join(cwd, "models.yaml"), config(repo, revision));
    return measure({ cmd: [binary, "-q", "--config", "models.yaml"], cwd, env: { ...process.env, HF_ENDPOINT: hub.url, ...env } });
  };
  return {
    name,
    async upgrade(repo, expectedSha256) {
      const cwd = tempDir("mm-xet-bench-run");
      await runAt(cwd, repo, "v1");
      hub.resetLog();
      const sample = await runAt(cwd, repo, "main");
      const result = counted(sample, hub.requests);
      expectSha256(join(cwd, "cache", "m", FILE), expectedSha256, name);
      return result;
    },
  };
}

async function huggingfaceHub(): Promise<Tool> {
  const python = await venvPython();
  const script = (repo: string, revision: string) => `from huggingface_hub import hf_hub_download; print(hf_hub_download("${repo}", "${FILE}", revision="${revision}"))`;
  return {
    name: "huggingface_hub 1.33 + hf_xet 1.6",
    async upgrade(repo, expectedSha256) {
      const env = { PATH: process.env.PATH ?? "", HOME: tempDir("mm-xet-bench-home"), HF_HOME: tempDir("mm-xet-bench-hf"), HF_ENDPOINT: hub.url, HF_TOKEN: TEST_TOKENS.user, HF_HUB_DISABLE_TELEMETRY: "1" };
      await measure({ cmd: [python, "-c", script(repo, "v1")], env });
      hub.resetLog();
      const sample = await measure({ cmd: [python, "-c", script(repo, "main")], env });
      const result = counted(sample, hub.requests);
      const path = Bun.spawnSync([python, "-c", script(repo, "main")], { env }).stdout.toString().trim();
      expectSha256(path, expectedSha256, "huggingface_hub");
      return result;
    },
  };
}

function expectSha256(path: string, expected: string, tool: string): void {
  const actual = sha256OfFile(path);
  if (actual !== expected) throw new Error(`${tool}: the upgraded ${path} has sha256 ${actual}, the new revision ${expected}`);
}

const tools: Tool[] = [modelManager("model-manager (Xet, reuse)", {}), modelManager("model-manager (bridge)", { MODEL_MANAGER_XET: "0" })];
const skip = pythonSkipReason();
if (!skip) tools.push(await huggingfaceHub());

const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const rows: string[] = [];
for (const size of sizes) {
  const repo = repoOf(size);
  const expected = hub.file(repo, FILE, { revision: "main" })!.sha256;
  const results = new Map<Tool, Upgrade[]>(tools.map((tool) => [tool, []]));
  for (let run = 0; run < runs; run++) {
    for (const tool of tools) results.get(tool)!.push(await tool.upgrade(repo, expected));
  }
  for (const tool of tools) {
    const upgrades = results.get(tool)!;
    const last = upgrades.at(-1)!;
    const fetched = last.xorbBytes + last.bridgeBytes + last.otherBytes;
    const wall = median(upgrades.map((upgrade) => upgrade.sample.wallMs)) / 1000;
    const rss = median(upgrades.map((upgrade) => upgrade.sample.maxRssBytes));
    rows.push(
      `| upgrade, 5 % of ${mib(size)} changed | ${tool.name} | ${mib(fetched)} (${((100 * fetched) / size).toFixed(1)} %) | ${mib(last.xorbBytes)} / ${mib(last.bridgeBytes)} | ${last.requests} | ${wall.toFixed(2)} s | ${mib(rss)} |`,
    );
  }
}
if (skip) rows.push(`| upgrade | huggingface_hub + hf_xet | skipped: ${skip} | | | | |`);
await hub.stop();

const header = [
  `Xet upgrade benchmark: ${runs} run(s) per tool, median wall time; ${mib(bandwidth)}/s per connection; bytes are what the CDN listener sent for the upgrade (xorbs, bridge, reconstructions).`,
  "",
  "| scenario | tool | bytes fetched (of the file) | xorb / bridge bytes | requests (Hub + CDN) | wall time | peak RSS |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
const table = [...header, ...rows].join("\n");
console.log(table);
writeFileSync(join(import.meta.dir, "results", `${values.results}.md`), `${table}\n`);
