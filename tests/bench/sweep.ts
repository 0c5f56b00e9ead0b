#!/usr/bin/env bun
/**
 * Tries engine settings against one hub shape, alternately, to choose defaults from measurements:
 *
 *   bun tests/bench/sweep.ts --preset bench-2g --vary MODEL_MANAGER_CONNECTIONS_PER_FILE=2,4,8,16
 *   bun tests/bench/sweep.ts --preset bench-mixed --bandwidth 40MB --latency 20 \
 *     --vary MODEL_MANAGER_CONNECTIONS_PER_FILE=8,16 --vary MODEL_MANAGER_CHUNK_SIZE=8MiB,16MiB
 *
 * Every combination of the --vary values is one variant. Uses the binary from a
 * previous `bun run bench` (or --binary), and the same hub data directory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { compare, type Contender } from "./compare.ts";
import { HubProcess } from "./hub-process.ts";
import { summarize } from "./measure.ts";
import { formatMiB, formatMs, formatRate } from "./report.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    preset: { type: "string", multiple: true },
    synthetic: { type: "string", multiple: true },
    bandwidth: { type: "string" },
    latency: { type: "string" },
    vary: { type: "string", multiple: true },
    verify: { type: "string" },
    runs: { type: "string" },
    binary: { type: "string" },
    "work-dir": { type: "string" },
  },
  strict: true,
});

const workRoot = values["work-dir"] ?? join(tmpdir(), "model-manager-bench");
const binary = values.binary ?? join(workRoot, "bin", "model-manager");
const runs = Number(values.runs ?? 3);
const variants = combinations((values.vary ?? []).map((spec) => {
  const [name, list] = spec.split("=", 2);
  if (!name || !list) throw new Error(`--vary NAME=v1,v2,… expected, got ${spec}`);
  return list.split(",").map((value) => [name, value] as const);
}));

const hub = await HubProcess.start({
  presets: values.preset,
  synthetic: values.synthetic,
  dataRoot: join(workRoot, "hub-data"),
  bandwidth: values.bandwidth,
  latencyMs: values.latency ? Number(values.latency) : undefined,
});
try {
  const repos = ((await (await fetch(`${hub.url}/__admin/state`)).json()) as { repos: Array<{ id: string }> }).repos.map((repo) => repo.id);
  const dir = join(workRoot, "sweep");
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "models.yaml");
  const models = repos.map((repo) => `  - id: ${repo.split("/").at(-1)}\n    repo_id: ${repo}\n`).join("");
  writeFileSync(config, `cache_dir: ${join(dir, "cache")}\nverify: ${values.verify ?? "sha256"}\nmodels:\n${models}`);
  const contenders: Contender[] = variants.map((variant) => ({
    name: variant.map(([name, value]) => `${name.replace("MODEL_MANAGER_", "")}=${value}`).join(" ") || "defaults",
    verifies: values.verify ?? "sha256",
    outputDir: join(dir, "cache"),
    command: { cmd: [binary, "--config", config, "--quiet"], env: { ...process.env, HF_ENDPOINT: hub.url, ...Object.fromEntries(variant) } },
  }));
  const results = await compare(hub, contenders, runs, (line) => console.error(line));
  const firstRun = results.get(contenders[0]!.name)!.hubStats[0]!;
  const bytes = firstRun.cdnBodyBytes + firstRun.hubBodyBytes;
  console.log("| variant | median | spread | throughput | peak RSS | median CPU |\n|---|---|---|---|---|---|");
  for (const contender of contenders) {
    const summary = summarize(results.get(contender.name)!.samples);
    console.log(
      `| ${contender.name} | ${formatMs(summary.medianMs)} | ${formatMs(summary.minMs)}–${formatMs(summary.maxMs)} | ` +
        `${formatRate(bytes, summary.medianMs)} | ${formatMiB(summary.maxRssBytes)} | ${formatMs(summary.medianCpuMs)} |`,
    );
  }
} finally {
  await hub.stop();
}

function combinations(axes: ReadonlyArray<ReadonlyArray<readonly [string, string]>>): Array<Array<readonly [string, string]>> {
  return axes.reduce<Array<Array<readonly [string, string]>>>((acc, axis) => acc.flatMap((prefix) => axis.map((pair) => [...prefix, pair])), [[]]);
}
