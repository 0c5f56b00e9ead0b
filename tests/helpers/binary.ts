/**
 * The compiled host binary, built once per test process with `bun run build.ts`
 * into a temporary directory (removed at exit) and shared by every test file.
 *
 * Set MODEL_MANAGER_BINARY=/path/to/model-manager to test an existing binary instead.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO_ROOT = join(import.meta.dir, "..", "..");

let built: Promise<string> | undefined;

/** `code` is null when a signal ended the process. */
export type RunResult = { code: number | null; stdout: string; stderr: string };
export type RunOptions = { cwd?: string; env?: Record<string, string>; timeoutMs?: number };

/** Runs a command to completion, stdin closed; `env` replaces the whole environment when given. */
export async function run(cmd: string[], options: RunOptions = {}): Promise<RunResult> {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: options.timeoutMs ?? 30_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code: proc.signalCode ? null : code, stdout, stderr };
}

/** Runs build.ts with `args` and returns its combined output; throws with that output on failure. */
export async function runBuild(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await run([process.execPath, "run", join(REPO_ROOT, "build.ts"), ...args], {
    cwd: REPO_ROOT,
    timeoutMs: 600_000,
  });
  if (code !== 0) throw new Error(`bun run build.ts ${args.join(" ")} exited ${code}:\n${stdout}${stderr}`);
  return stdout + stderr;
}

// `bun test` fires no "exit" event, so each test process keeps its temporary directories under
// <tmpdir>/model-manager-tests/<pid>/ and removes those of processes that are gone.
const TEMP_ROOT = join(tmpdir(), "model-manager-tests");
let processTemp: string | undefined;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A temporary directory, removed by the next test process after this one has ended. */
export function tempDir(prefix: string): string {
  if (!processTemp) {
    mkdirSync(TEMP_ROOT, { recursive: true });
    for (const name of readdirSync(TEMP_ROOT)) {
      if (!isAlive(Number(name))) rmSync(join(TEMP_ROOT, name), { recursive: true, force: true });
    }
    processTemp = join(TEMP_ROOT, String(process.pid));
    mkdirSync(processTemp, { recursive: true });
    const dir = processTemp;
    process.once("exit", () => rmSync(dir, { recursive: true, force: true })); // outside bun test
  }
  return mkdtempSync(join(processTemp, `${prefix}-`));
}

export function binaryPath(): Promise<string> {
  const given = process.env.MODEL_MANAGER_BINARY;
  if (given) return Promise.resolve(given);
  built ??= (async () => {
    const outdir = tempDir("model-manager-bin");
    await runBuild(["--outdir", outdir]);
    return join(outdir, "model-manager");
  })();
  return built;
}
