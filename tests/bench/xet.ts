/**
 * Xet benchmarks (not part of the test suite): `bun tests/bench/xet.ts [--size-mib 64] [--large-mib 512] [--bandwidth 40MB]`.
 *
 * Both on a link throttled per connection (default 40 MB/s, as the other benchmarks).
 * (a) Upgrade with 5 % of a file changed: bytes fetched and wall time of the second revision, for
 *     model-manager native (chunk reuse), model-manager through the bridge (MODEL_MANAGER_XET=0), and
 *     huggingface_hub 1.33 + hf_xet 1.6 (its chunk cache is off by default, as shipped).
 * (b) One large Xet file on a per-connection-throttled link: native vs bridge, wall time and peak RSS.
 *
 * The local hub runs in this process; the tools are spawned under /usr/bin/time (measure.ts).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { pythonSkipReason, venvPython } from "../helpers/python-venv.ts";
import { weightsLike } from "../helpers/weights-like.ts";
import { generateBytes, LocalHub, parseSize, TEST_TOKENS } from "../local-hub/index.ts";
import { measure, type Sample } from "./measure.ts";

const { values } = parseArgs({
  options: { "size-mib": { type: "string", default: "64" }, "large-mib": { type: "string", default: "512" }, bandwidth: { type: "string", default: "40MB" } },
});
const MiB = 1024 * 1024;
const size = Number(values["size-mib"]) * MiB;
const largeSize = Number(values["large-mib"]) * MiB;
const bandwidth = parseSize(values.bandwidth!);
const FILE = "model.safetensors";

const first = weightsLike(size, 1);
const second = first.slice();
// New weights in one region: random bytes, so the change shares nothing with the rest of the file.
second.set(generateBytes("xet-bench-change", Math.floor(size * 0.05)), Math.floor(size * 0.45));

const hub = await LocalHub.start({
  dataDir: join(tempDir("mm-xet-bench"), "data"),
  repos: [
    { id: "bench/upgrade", xet: true, commits: [{ files: { [FILE]: first } }, { files: { [FILE]: second } }], tags: { v1: 0 } },
    { id: "bench/large", xet: true, files: { [FILE]: weightsLike(largeSize, 3) } },
  ],
});
const binary = await binaryPath();
// The hub chunks and compresses a file on its first reconstruction: do it now, outside the timings.
for (const [repo, revision] of [["bench/upgrade", "v1"], ["bench/upgrade", "main"], ["bench/large", "main"]] as const) {
  const token = (await (await fetch(`${hub.url}/api/models/${repo}/xet-read-token/${revision}`)).json()) as { accessToken: string; casUrl: string };
  const hash = hub.xetHash(repo, FILE, { revision });
  await (await fetch(`${token.casUrl}/v2/reconstructions/${hash}`, { headers: { authorization: `Bearer ${token.accessToken}` } })).arrayBuffer();
}
const rows: string[] = [];
const fetched = () => hub.requests.filter((record) => record.listener === "cdn").reduce((sum, record) => sum + record.bodyBytes, 0);
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const describe = (sample: Sample) => `${(sample.wallMs / 1000).toFixed(2)} s | ${mib(sample.maxRssBytes)}`;

function config(repo: string, revision: string): string {
  return `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${repo}\n    revision: ${revision}\n`;
}

async function modelManager(cwd: string, repo: string, revision: string, env: Record<string, string> = {}): Promise<Sample> {
  writeFileSync(join(cwd, "models.yaml"), config(repo, revision));
  return measure({ cmd: [binary, "-q", "--config", "models.yaml"], cwd, env: { ...process.env, HF_ENDPOINT: hub.url, ...env } });
}

// (a) upgrade, on the same per-connection link as (b)
hub.setThrottle({ bytesPerSecond: bandwidth });
for (const [tool, env] of [
  ["model-manager (Xet, reuse)", {}],
  ["model-manager (bridge)", { MODEL_MANAGER_XET: "0" }],
] as const) {
  const cwd = tempDir("mm-xet-bench-run");
  await modelManager(cwd, "bench/upgrade", "v1", env);
  hub.resetLog();
  const sample = await modelManager(cwd, "bench/upgrade", "main", env);
  rows.push(`| upgrade, 5 % of ${mib(size)} changed | ${tool} | ${mib(fetched())} | ${describe(sample)} |`);
}
const skip = pythonSkipReason();
if (skip) rows.push(`| upgrade | huggingface_hub + hf_xet | skipped: ${skip} | | |`);
else {
  const python = await venvPython();
  const script = (revision: string) => `from huggingface_hub import hf_hub_download; hf_hub_download("bench/upgrade", "${FILE}", revision="${revision}")`;
  const env = { PATH: process.env.PATH ?? "", HOME: tempDir("mm-xet-bench-home"), HF_HOME: tempDir("mm-xet-bench-hf"), HF_ENDPOINT: hub.url, HF_TOKEN: TEST_TOKENS.user, HF_HUB_DISABLE_TELEMETRY: "1" };
  await measure({ cmd: [python, "-c", script("v1")], env });
  hub.resetLog();
  const sample = await measure({ cmd: [python, "-c", script("main")], env });
  rows.push(`| upgrade, 5 % of ${mib(size)} changed | huggingface_hub 1.33 + hf_xet 1.6 | ${mib(fetched())} | ${describe(sample)} |`);
}

// (b) one large file, throttled per connection
for (const [tool, env] of [
  ["model-manager (Xet)", {}],
  ["model-manager (bridge)", { MODEL_MANAGER_XET: "0" }],
] as const) {
  hub.resetLog();
  const sample = await modelManager(tempDir("mm-xet-bench-run"), "bench/large", "main", env);
  rows.push(`| ${mib(largeSize)} file, ${mib(bandwidth)}/s per connection | ${tool} | ${mib(fetched())} | ${describe(sample)} |`);
}
await hub.stop();

const table = ["| scenario | tool | bytes fetched | wall time | peak RSS |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
console.log(table);
writeFileSync(join(import.meta.dir, "results", "xet-latest.md"), `${table}\n`);
