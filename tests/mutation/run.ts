#!/usr/bin/env bun
/**
 * Mutation check: applies each deliberate bug of mutations.ts to a scratch copy of the working
 * tree, runs the tests that must catch it, and fails if any bug survives (or a pattern no longer
 * matches). Prints a table. `bun run mutation [--only name,name]`.
 *
 * The selected tests first run once unmutated: a test that already fails would "catch" anything.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { parseJUnit } from "../ci/junit.ts";
import { applyEdits, MUTATIONS, type Mutation } from "./mutations.ts";

const ROOT = join(import.meta.dir, "..", "..");
const RUN_TIMEOUT_MS = 10 * 60_000;

type Outcome = { mutation: Mutation; result: "caught" | "SURVIVED" | "timed out (caught)"; seconds: number };

/** The working tree as git sees it (tracked and untracked, minus ignored files), with node_modules linked. */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "model-manager-mutation-"));
  const listed = Bun.spawnSync(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT });
  if (!listed.success) throw new Error(`git ls-files failed in ${ROOT}: ${listed.stderr.toString()}`);
  for (const file of listed.stdout.toString().split("\0").filter(Boolean)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      copyFileSync(join(ROOT, file), join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error; // deleted but not yet committed
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

type TestRun = { failed: number; ran: number; timedOut: boolean; output: string };

/** Counts come from bun's JUnit report: a filter that matches nothing, or a file that fails to load, is not a catch. */
async function bunTest(cwd: string, files: readonly string[], filter?: string): Promise<TestRun> {
  const report = join(cwd, ".mutation-junit.xml");
  rmSync(report, { force: true });
  const proc = Bun.spawn(
    [process.execPath, "test", "--timeout", "60000", "--reporter=junit", `--reporter-outfile=${report}`, ...files, ...(filter ? ["-t", filter] : [])],
    { cwd, stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: RUN_TIMEOUT_MS, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" } },
  );
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const cases = existsSync(report) ? parseJUnit(readFileSync(report, "utf8")) : [];
  const ran = cases.filter((t) => t.outcome === "passed" || t.outcome === "failed");
  return { failed: ran.filter((t) => t.outcome === "failed").length, ran: ran.length, timedOut: proc.signalCode !== null, output: stdout + stderr };
}

/** Checks every pattern against the sources before spending time on test runs. */
function checkPatterns(mutations: readonly Mutation[]): void {
  const problems: string[] = [];
  for (const mutation of mutations) {
    for (const file of new Set(mutation.edits.map((e) => e.file))) {
      try {
        applyEdits(file, readFileSync(join(ROOT, file), "utf8"), mutation.edits);
      } catch (error) {
        problems.push(`${mutation.name}: ${(error as Error).message}`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`mutation patterns that no longer match:\n  ${problems.join("\n  ")}`);
}

async function runMutation(dir: string, mutation: Mutation): Promise<Outcome> {
  const originals = new Map<string, string>();
  for (const file of new Set(mutation.edits.map((e) => e.file))) {
    const text = readFileSync(join(dir, file), "utf8");
    originals.set(file, text);
    writeFileSync(join(dir, file), applyEdits(file, text, mutation.edits));
  }
  const started = performance.now();
  try {
    const run = await bunTest(dir, mutation.tests, mutation.filter);
    const seconds = (performance.now() - started) / 1000;
    if (run.timedOut) return { mutation, result: "timed out (caught)", seconds };
    if (run.ran === 0) {
      console.error(run.output);
      throw new Error(`${mutation.name}: no test ran (a filter that matches nothing, or the mutated code does not load)`);
    }
    return { mutation, result: run.failed > 0 ? "caught" : "SURVIVED", seconds };
  } finally {
    for (const [file, text] of originals) writeFileSync(join(dir, file), text);
  }
}

function table(outcomes: readonly Outcome[]): string {
  const rows = [["result", "mutation", "what it breaks", "caught by", "s"]];
  for (const { mutation, result, seconds } of outcomes) {
    const by = mutation.tests.join(" ") + (mutation.filter ? ` -t ${JSON.stringify(mutation.filter)}` : "");
    rows.push([result, mutation.name, mutation.breaks, by, seconds.toFixed(1)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`).join("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: "string" } } });
  const wanted = values.only?.split(",").map((s) => s.trim());
  const unknown = wanted?.filter((name) => !MUTATIONS.some((m) => m.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown mutation(s): ${unknown.join(", ")}; known: ${MUTATIONS.map((m) => m.name).join(", ")}`);
  const mutations = wanted ? MUTATIONS.filter((m) => wanted.includes(m.name)) : MUTATIONS;
  checkPatterns(mutations);

  const dir = scratchCopy();
  try {
    const files = [...new Set(mutations.flatMap((m) => m.tests))];
    console.log(`baseline: ${files.join(" ")}`);
    const baseline = await bunTest(dir, files);
    if (baseline.failed > 0 || baseline.ran === 0) {
      console.error(baseline.output);
      throw new Error("the selected tests fail without any mutation; fix them first");
    }
    const outcomes: Outcome[] = [];
    for (const mutation of mutations) {
      const outcome = await runMutation(dir, mutation);
      console.log(`${outcome.result.padEnd(8)} ${mutation.name} (${outcome.seconds.toFixed(1)} s)`);
      outcomes.push(outcome);
    }
    console.log(`\n${table(outcomes)}\n`);
    const survivors = outcomes.filter((o) => o.result === "SURVIVED");
    console.log(`${outcomes.length - survivors.length} of ${outcomes.length} mutations caught`);
    return survivors.length === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

try {
  process.exit(await main());
} catch (error) {
  console.error(`mutation: error: ${(error as Error).message}`);
  process.exit(1);
}
