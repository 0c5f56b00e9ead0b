/**
 * One large Xet file on a link throttled per connection, native Xet vs the Hub's bridge (not part of
 * the test suite): `bun tests/bench/xet-large.ts [--size-mib 2048] [--bandwidth 40MB] [--runs 1]
 * [--xorb-mib 64] [--data-dir D] [--with-hf-xet] [--results NAME]`.
 *
 * The file is a synthetic Xet file (`syntheticXet`, tests/local-hub/xet-synthetic.ts): xorbs of up
 * to `--xorb-mib` MiB, each read as a few ranges, chunks in the three schemes with LZ4 shaped like
 * weights'. The local hub runs in this process; it writes the plain file and the xorbs once to the
 * data dir (≈ 1 min for 8 GiB; a temporary dir removed at the end unless `--data-dir` names one to
 * keep for later runs), then serves both from memory maps. Each run downloads into a fresh cache
 * with `verify: sha256`, under /usr/bin/time (measure.ts), the two transports alternating. Reports
 * wall time, throughput, peak RSS, client CPU time, the bytes the CDN listener sent and, for Xet, how
 * many xorb requests were in flight at once at most. Needs twice the file size free on the temp disk.
 * `--with-hf-xet` adds huggingface_hub 1.33 + hf_xet 1.6 (`hf_hub_download` into a fresh HF_HOME;
 * it checks no sha256 while downloading, so its file is checked here, outside the timing).
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { pythonSkipReason, venvPython } from "../helpers/python-venv.ts";
import { LocalHub, parseSize, type RequestRecord, syntheticXet, TEST_TOKENS } from "../local-hub/index.ts";
import { measure, median, type Sample } from "./measure.ts";

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "2048" },
    bandwidth: { type: "string", default: "40MB" },
    runs: { type: "string", default: "1" },
    "xorb-mib": { type: "string", default: "64" },
    "data-dir": { type: "string" },
    "with-hf-xet": { type: "boolean", default: false },
    results: { type: "string" },
  },
});
const MiB = 1024 * 1024;
const size = Number(values["size-mib"]) * MiB;
const bandwidth = parseSize(values.bandwidth!);
const runs = Number(values.runs);
const xorbMaxBytes = Number(values["xorb-mib"]) * MiB;
const FILE = "model.safetensors";
const REPO = "bench/large";

const prepared = performance.now();
const hub = await LocalHub.start({
  dataDir: values["data-dir"] ?? join(tempDir("mm-xet-large-bench"), "data"),
  repos: [{ id: REPO, xet: true, files: { [FILE]: syntheticXet(size, { seed: "xet-large", xorbBytes: xorbMaxBytes }) } }],
  rateLimitHeaders: false,
});
console.error(`hub: ${FILE} of ${size / MiB} MiB and its xorbs ready in ${((performance.now() - prepared) / 1000).toFixed(1)} s`);
{
  const token = (await (await fetch(`${hub.url}/api/models/${REPO}/xet-read-token/main`)).json()) as { accessToken: string; casUrl: string };
  const response = await fetch(`${token.casUrl}/v2/reconstructions/${hub.xetHash(REPO, FILE)}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
  const reconstruction = (await response.json()) as { terms: unknown[]; xorbs: Record<string, unknown> };
  console.error(`hub: ${reconstruction.terms.length} terms over ${Object.keys(reconstruction.xorbs).length} xorbs`);
}
hub.setThrottle({ bytesPerSecond: bandwidth });
const binary = await binaryPath();

/** Downloads the file into `cwd` (a fresh directory) and returns its measure. */
type Tool = { readonly name: string; run(cwd: string): Promise<Sample> };
const modelManager = (name: string, env: Record<string, string>): Tool => ({
  name,
  async run(cwd) {
    writeFileSync(join(cwd, "models.yaml"), `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`);
    return measure({ cmd: [binary, "-q", "--config", "models.yaml"], cwd, env: { ...process.env, HF_ENDPOINT: hub.url, ...env } });
  },
});
const tools: Tool[] = [modelManager("model-manager (Xet)", {}), modelManager("model-manager (bridge)", { MODEL_MANAGER_XET: "0" })];
if (values["with-hf-xet"]) {
  const skip = pythonSkipReason();
  if (skip) throw new Error(`--with-hf-xet: ${skip}`);
  const python = await venvPython();
  const expected = hub.file(REPO, FILE)!.sha256;
  tools.push({
    name: "huggingface_hub 1.33 + hf_xet 1.6",
    async run(cwd) {
      const env = { PATH: process.env.PATH ?? "", HOME: cwd, HF_HOME: join(cwd, "cache"), HF_ENDPOINT: hub.url, HF_TOKEN: TEST_TOKENS.user, HF_HUB_DISABLE_TELEMETRY: "1" };
      const script = `from huggingface_hub import hf_hub_download; open("path", "w").write(hf_hub_download("${REPO}", "${FILE}"))`;
      const sample = await measure({ cmd: [python, "-c", script], cwd, env });
      const path = await Bun.file(join(cwd, "path")).text();
      if ((await sha256Streamed(path)) !== expected) throw new Error(`huggingface_hub: ${path} does not have the sha256 ${expected}`);
      return sample;
    },
  });
}
const results = new Map<string, { samples: Sample[]; fetched: number; inFlight: number }>();

for (let round = 0; round < runs; round++) {
  for (const tool of round % 2 === 0 ? tools : [...tools].reverse()) {
    const cwd = tempDir("mm-xet-large-run");
    hub.resetLog();
    const sample = await tool.run(cwd);
    rmSync(join(cwd, "cache"), { recursive: true, force: true });
    const cdn = hub.requests.filter((record) => record.listener === "cdn");
    const entry = results.get(tool.name) ?? { samples: [], fetched: 0, inFlight: 0 };
    entry.samples.push(sample);
    entry.fetched = cdn.reduce((sum, record) => sum + record.bodyBytes, 0);
    entry.inFlight = Math.max(entry.inFlight, mostAtOnce(cdn.filter((record) => record.route === "xorb")));
    results.set(tool.name, entry);
    console.error(`${tool.name}: ${(sample.wallMs / 1000).toFixed(2)} s, ${(sample.maxRssBytes / MiB).toFixed(0)} MiB peak RSS, CPU ${((sample.userMs + sample.systemMs) / 1000).toFixed(2)} s`);
  }
}
await hub.stop();

const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const rows = [...results].map(([name, { samples, fetched, inFlight }]) => {
  const wallMs = median(samples.map((sample) => sample.wallMs));
  const rss = Math.max(...samples.map((sample) => sample.maxRssBytes));
  const cpuMs = median(samples.map((sample) => sample.userMs + sample.systemMs));
  const throughput = size / MiB / (wallMs / 1000);
  return `| ${mib(size)}, ${mib(xorbMaxBytes)} xorbs, ${(bandwidth / 1e6).toFixed(0)} MB/s per connection | ${name} | ${(wallMs / 1000).toFixed(2)} s | ${throughput.toFixed(0)} MiB/s | ${mib(rss)} | ${(cpuMs / 1000).toFixed(1)} s | ${mib(fetched)} | ${inFlight || "–"} |`;
});
const table = [
  `| file | tool | wall time${runs > 1 ? ` (median of ${runs})` : ""} | throughput | peak RSS | client CPU | bytes from the CDN | xorb requests at once (max) |`,
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows,
].join("\n");
console.log(table);
writeFileSync(join(import.meta.dir, "results", values.results ? `${values.results}.md` : "xet-large.md"), `${table}\n`);

/** A file's sha256, read in pieces (a multi-GiB file does not fit in one buffer). */
async function sha256Streamed(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const piece of Bun.file(path).stream()) hasher.update(piece);
  return hasher.digest("hex");
}

/** The most requests whose [arrival, arrival + duration] overlap at one moment. */
function mostAtOnce(records: readonly RequestRecord[]): number {
  const events = records.flatMap((record) => [
    [record.at, 1],
    [record.at + (record.durationMs ?? 0), -1],
  ]);
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let current = 0;
  let most = 0;
  for (const [, change] of events) most = Math.max(most, (current += change!));
  return most;
}
