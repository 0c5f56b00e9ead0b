/** One timed child process, and the statistics over repeated runs. */
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type Sample = {
  readonly wallMs: number;
  /** Peak resident set size of the process, from `/usr/bin/time` (%M). */
  readonly maxRssBytes: number;
  readonly userMs: number;
  readonly systemMs: number;
};

export type RunSpec = {
  readonly cmd: readonly string[];
  readonly cwd?: string;
  readonly env?: Record<string, string | undefined>;
  /** Fail after this long (default 15 minutes). */
  readonly timeoutMs?: number;
};

export class CommandFailed extends Error {}

const TIME = "/usr/bin/time";
let nextReport = 0;

/**
 * Runs the command to completion under `/usr/bin/time`, which reports peak
 * RSS and CPU time; wall time is measured here from spawn to exit (the
 * wrapper adds well under a millisecond). Bun's own rusage of a child is not
 * used: it counts the memory of the Bun process the child was forked from.
 * A non-zero exit throws with the command's output.
 */
export async function measure(spec: RunSpec): Promise<Sample> {
  const report = join(tmpdir(), `model-manager-bench-time-${process.pid}-${nextReport++}`);
  const started = performance.now();
  const proc = Bun.spawn([TIME, "--format", "%M %U %S", "--output", report, ...spec.cmd], {
    cwd: spec.cwd,
    env: spec.env ? withoutUndefined(spec.env) : process.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: spec.timeoutMs ?? 15 * 60_000,
  });
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const wallMs = performance.now() - started;
  if (proc.exitCode !== 0) {
    rmSync(report, { force: true });
    const output = `${stdout}${stderr}`.trim().split("\n").slice(-15).join("\n");
    throw new CommandFailed(`${spec.cmd.join(" ")} exited ${proc.exitCode ?? proc.signalCode}:\n${output}`);
  }
  const [maxRssKiB, userSeconds, systemSeconds] = readFileSync(report, "utf8").trim().split(/\s+/).slice(-3).map(Number);
  rmSync(report, { force: true });
  return { wallMs, maxRssBytes: maxRssKiB! * 1024, userMs: userSeconds! * 1000, systemMs: systemSeconds! * 1000 };
}

function withoutUndefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export type Summary = {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** The largest peak RSS over the runs. */
  readonly maxRssBytes: number;
  readonly medianCpuMs: number;
};

export function summarize(samples: readonly Sample[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const walls = samples.map((sample) => sample.wallMs);
  return {
    runs: samples.length,
    medianMs: median(walls),
    minMs: Math.min(...walls),
    maxMs: Math.max(...walls),
    maxRssBytes: Math.max(...samples.map((sample) => sample.maxRssBytes)),
    medianCpuMs: median(samples.map((sample) => sample.userMs + sample.systemMs)),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
