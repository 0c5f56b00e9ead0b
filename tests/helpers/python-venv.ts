/**
 * The official Python consumers of the Hugging Face cache (huggingface_hub, transformers,
 * tokenizers), installed from the machine's local wheel folder, never from the network.
 *
 * A python3 on PATH that already has them (the venv `.ci/run` installs from
 * tests/ci/python-requirements.txt) is used as it is. Otherwise a virtual environment is built
 * from the wheel folder (PIP_WHEELS, default /opt/pypi/files) once and kept under the system temp
 * folder, keyed by the wheel files and the Python version, so later runs reuse it.
 * Without python3 or the packages, `pythonSkipReason` says why.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./binary.ts";

export const WHEEL_DIR = process.env.PIP_WHEELS || "/opt/pypi/files";
const REQUIREMENTS = ["huggingface_hub==1.33.0", "transformers", "tokenizers"];
const WHEEL_PREFIXES = ["huggingface_hub-1.33.0-", "transformers-", "tokenizers-"];
const IMPORTS = "import huggingface_hub, transformers, tokenizers";

/** python3 on PATH can already import the three packages (checked once). */
const onPath = Bun.which("python3") !== null && Bun.spawnSync(["python3", "-c", IMPORTS], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

/** Why the Python round trips cannot run here, or undefined when they can. */
export function pythonSkipReason(): string | undefined {
  if (!Bun.which("python3")) return "python3 is not installed";
  if (onPath) return undefined;
  if (!existsSync(WHEEL_DIR)) return `python3 lacks huggingface_hub, transformers or tokenizers, and the wheel folder ${WHEEL_DIR} does not exist (set PIP_WHEELS)`;
  const names = readdirSync(WHEEL_DIR);
  const missing = WHEEL_PREFIXES.filter((prefix) => !names.some((name) => name.startsWith(prefix)));
  if (missing.length > 0) return `${WHEEL_DIR} has no wheel for ${missing.map((prefix) => prefix.replace(/-$/, "")).join(", ")}`;
  return undefined;
}

let venv: Promise<string> | undefined;

/** The venv's python (created on first use: about 20 s, then reused across runs). */
export function venvPython(): Promise<string> {
  venv ??= onPath ? Promise.resolve("python3") : createVenv();
  return venv;
}

async function createVenv(): Promise<string> {
  const version = (await run(["python3", "-c", "import sys; print(sys.version)"])).stdout.trim();
  const wheels = readdirSync(WHEEL_DIR).sort().join("\n");
  const key = new Bun.CryptoHasher("sha256").update(`${version}\n${REQUIREMENTS.join(" ")}\n${wheels}`).digest("hex").slice(0, 16);
  const root = join(tmpdir(), "model-manager-python");
  const dir = join(root, key);
  const python = join(dir, "bin", "python");
  if (existsSync(join(dir, "ready"))) return python;
  mkdirSync(root, { recursive: true });
  // Built beside and renamed into place, so a parallel test process never sees half a venv.
  const building = join(root, `${key}.building-${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  await mustRun(["python3", "-m", "venv", building]);
  await mustRun([join(building, "bin", "python"), "-m", "pip", "install", "-q", "--no-index", "--find-links", WHEEL_DIR, ...REQUIREMENTS], 300_000);
  await Bun.write(join(building, "ready"), "");
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process finished first
  }
  return python;
}

async function mustRun(cmd: string[], timeoutMs = 120_000): Promise<void> {
  const result = await run(cmd, { timeoutMs });
  if (result.code !== 0) throw new Error(`${cmd.join(" ")} failed (${result.code}):\n${result.stdout}${result.stderr}`);
}

/**
 * Runs a Python snippet in the venv with only the given variables (plus PATH and a scratch HOME):
 * nothing of the developer's own Hugging Face setup leaks in. Its last stdout line is parsed as JSON.
 */
export async function runPython(script: string, env: Record<string, string>): Promise<{ code: number | null; value: unknown; stdout: string; stderr: string }> {
  const python = await venvPython();
  const result = await run([python, "-c", script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HF_HUB_DISABLE_TELEMETRY: "1", ...env },
    timeoutMs: 120_000,
  });
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  let value: unknown;
  try {
    value = JSON.parse(last);
  } catch {
    value = undefined;
  }
  return { ...result, value };
}
