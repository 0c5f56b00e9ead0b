#!/usr/bin/env bun
/**
 * Benchmarks model-manager against the tools users would otherwise use (issue 5).
 *
 *   bun run bench                                  all six scenarios, 5 runs each
 *   bun run bench -- --scenario 1,3 --runs 5
 *
 * Not part of the test suite: nothing here is named *.test.ts, and CI does not run it.
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { buildCommit } from "../../build.ts";
import { describeMachine, formatMachine } from "./machine.ts";
import { ensureCommand, hfjsVersion, toolVersion } from "./peers.ts";
import { type BenchReport, renderMarkdown, type ScenarioResult, writeReport } from "./report.ts";
import { type BenchContext, runScenario, SCENARIOS } from "./scenarios.ts";

const ROOT = join(import.meta.dir, "..", "..");
const USAGE = `usage: bun run bench [-- options]

  --scenario LIST       scenarios to run, e.g. 1,3 (default: all of ${SCENARIOS.map((s) => s.id).join(",")})
  --runs N              runs per tool and scenario (default 5)
  --slow-peer-runs N    runs of @huggingface/hub, which takes 33 s and 3 min per run and varies by < 1% (default 1)
  --quick-runs N        runs of the millisecond measurements, scenarios 4 and 5 (default 30)
  --work-dir DIR        where outputs are written (default <tmpdir>/model-manager-bench)
  --results NAME        results file name under tests/bench/results (default latest)

Scenarios:
${SCENARIOS.map((s) => `  ${s.id}  ${s.title}`).join("\n")}`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      scenario: { type: "string" },
      runs: { type: "string" },
      "slow-peer-runs": { type: "string" },
      "quick-runs": { type: "string" },
      "work-dir": { type: "string" },
      results: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const wanted = values.scenario ? values.scenario.split(",").map((id) => Number(id.trim())) : SCENARIOS.map((s) => s.id);
  const scenarios = wanted.map((id) => {
    const scenario = SCENARIOS.find((s) => s.id === id);
    if (!scenario) throw new Error(`unknown scenario ${id}\n${USAGE}`);
    return scenario;
  });
  const runs = positive(values.runs, 5, "--runs");
  const workRoot = values["work-dir"] ?? join(tmpdir(), "model-manager-bench");
  const workDir = join(workRoot, "work");
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });

  const commit = buildCommit();
  const binary = build(join(workRoot, "bin"));

  for (const [command, pkg] of [["time", "time"], ["curl", "curl"], ["aria2c", "aria2"], ["sha256sum", "coreutils"]] as const) {
    if (!ensureCommand(command, pkg)) throw new Error(`${command} is not available and could not be installed (apt-get install ${pkg})`);
  }
  const machine = describeMachine(workDir);
  console.error(`bench: ${formatMachine(machine)}`);
  console.error(`bench: ${toolVersion(["curl", "--version"])}; ${toolVersion(["aria2c", "--version"])}; @huggingface/hub ${hfjsVersion()}`);

  const context: BenchContext = {
    binary,
    runs,
    slowPeerRuns: positive(values["slow-peer-runs"], 1, "--slow-peer-runs"),
    quickRuns: positive(values["quick-runs"], 30, "--quick-runs"),
    workDir,
    hubDataDir: join(workRoot, "hub-data"),
    env: benchEnv(workRoot),
    log: (line) => console.error(line),
  };
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    console.error(`bench: scenario ${scenario.id}: ${scenario.title}`);
    results.push(await runScenario(scenario, context));
  }
  rmSync(workDir, { recursive: true, force: true });

  const args = process.argv.slice(2);
  const report: BenchReport = {
    date: new Date().toISOString(),
    command: `bun run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`,
    commit,
    engineOverrides: Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("MODEL_MANAGER_"))) as Record<string, string>,
    machine,
    pageCache:
      "the hub's files are read into the page cache before each scenario and stay there; before every run the outputs are removed and `sync` flushes " +
      "what the previous run left dirty. model-manager fsyncs each file before its atomic rename; curl, aria2c and @huggingface/hub do not fsync, " +
      "so their data may still be in the page cache when they exit.",
    scenarios: results,
  };
  console.log(renderMarkdown(report));
  const written = writeReport(join(import.meta.dir, "results"), values.results ?? "latest", report);
  console.error(`bench: wrote ${relative(process.cwd(), written.markdown)} and ${relative(process.cwd(), written.json)}`);
}

/** The release build (build.ts), so the binary measured is the one shipped. */
function build(outdir: string): string {
  console.error(`bench: bun run build.ts --outdir ${outdir}`);
  const result = Bun.spawnSync([process.execPath, "run", join(ROOT, "build.ts"), "--outdir", outdir], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (!result.success) throw new Error(`build.ts failed:\n${result.stdout.toString()}${result.stderr.toString()}`);
  return join(outdir, "model-manager");
}

/** Same environment for every tool: no token, no proxy for the loopback hub, no progress bars. */
function benchEnv(workRoot: string): Record<string, string | undefined> {
  return {
    ...process.env,
    HF_TOKEN: undefined,
    HUGGING_FACE_HUB_TOKEN: undefined,
    HF_TOKEN_PATH: join(workRoot, "no-token"),
    HF_HUB_OFFLINE: undefined,
    HF_HUB_DISABLE_PROGRESS_BARS: "1",
    NO_PROXY: "localhost,127.0.0.1",
    no_proxy: "localhost,127.0.0.1",
  };
}

function positive(raw: string | undefined, fallback: number, flag: string): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer, got ${raw}`);
  return value;
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
