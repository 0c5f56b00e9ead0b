import { binaryPath } from "./binary.ts";
import { validateJsonOutput } from "./json-contract.ts";

export type CliRun = { readonly code: number; readonly stdout: string; readonly stderr: string };

/** An environment without the developer's own Hub settings leaking into tests. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(HF_|HUGGING_FACE|CI_MINIMAL_MODELS|MODEL_MANAGER_|S3_|AWS_|HTTPS?_PROXY|ALL_PROXY|NO_PROXY)/i.test(key)) continue;
    env[key] = value;
  }
  // No token file of the developer's either.
  env.HF_HOME = "/nonexistent-hf-home";
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

/** Starts the compiled binary without waiting for it (for signals and concurrency tests). */
export async function spawnCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}) {
  return Bun.spawn([await binaryPath(), ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
}

/** Collects a spawned run's output and exit code. */
export async function finished(proc: Awaited<ReturnType<typeof spawnCli>>): Promise<CliRun> {
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** Runs the compiled binary to completion. */
export async function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  const result = await finished(await spawnCli(args, options));
  // Every --json output any test sees follows the published contract (stdout stays empty only when argv
  // itself is rejected); help is text for a person, --json or not.
  if (args.includes("--json") && !args.some((arg) => arg === "--help" || arg === "-h") && result.stdout !== "") validateJsonOutput(result.stdout);
  return result;
}

/** An endpoint where nothing listens: any request to it fails fast, so a test proves no request was needed. */
export const DEAD_ENDPOINT = "http://127.0.0.1:9";

/** The binary on the project's models.yaml (as `project` writes it) with no Hub to reach: the run must need no request. */
export function runOffline(cwd: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(["--config", "models.yaml", ...args], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT, ...env } });
}
