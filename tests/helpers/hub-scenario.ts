import { expect } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalHub, type LocalHubOptions, sha256Hex } from "../local-hub/index.ts";
import { tempDir } from "./binary.ts";
import { type CliRun, runCli, spawnCli } from "./run-cli.ts";

/** A local hub whose generated files live in this test process's temp folder. */
export function startHub(options: LocalHubOptions = {}): Promise<LocalHub> {
  return LocalHub.start({ dataDir: join(tempDir("mm-hubdata"), "data"), ...options });
}

/** A working directory holding `models.yaml` with the given text. */
export function project(configYaml: string): string {
  const cwd = tempDir("mm-project");
  writeFileSync(join(cwd, "models.yaml"), configYaml);
  return cwd;
}

export type HubRunOptions = { readonly cwd: string; readonly env?: Record<string, string | undefined> };

/**
 * Runs the compiled binary against the hub, with `--config models.yaml`.
 * Retries back off in tens of milliseconds instead of seconds, so fault tests stay fast.
 */
export function runAgainst(hub: LocalHub, args: readonly string[], options: HubRunOptions): Promise<CliRun> {
  return runCli(withConfig(args), {
    cwd: options.cwd,
    env: { HF_ENDPOINT: hub.url, MODEL_MANAGER_RETRY_BASE_MS: "20", ...options.env },
  });
}

/** A project for `configYaml` whose models the hub has served (exit 0), with the hub's log cleared after, so a test sees only its own requests. */
export async function downloadedProject(hub: LocalHub, configYaml: string): Promise<string> {
  const cwd = project(configYaml);
  expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
  hub.resetLog();
  return cwd;
}

/** The cache index (`model-manager.lock.json`) in the project's `cache/` folder, parsed. */
export function cacheIndexOf(cwd: string) {
  return JSON.parse(readFileSync(join(cwd, "cache", "model-manager.lock.json"), "utf8"));
}

/** The hub's bridge downloads (GETs of the CDN's file route) since its log was last cleared. */
export function bridgeGets(hub: LocalHub) {
  return hub.requests.filter((record) => record.route === "cdn" && record.method === "GET");
}

/** Every xorb byte the hub's storage sent since its log was last cleared. */
export function xorbBytes(hub: LocalHub): number {
  return hub.requests.filter((record) => record.route === "xorb").reduce((sum, record) => sum + record.bodyBytes, 0);
}

export function sha256OfFile(path: string): string {
  return sha256Hex(readFileSync(path));
}

/** Every file of the model as the hub serves it, compared byte for byte (by sha256) with the cache. */
export function expectSameBytes(hub: LocalHub, repoId: string, paths: readonly string[], modelDir: string, revision?: string): void {
  for (const path of paths) {
    const served = hub.file(repoId, path, { revision });
    if (!served) throw new Error(`the hub has no ${path} in ${repoId}`);
    const actual = sha256OfFile(join(modelDir, path));
    if (actual !== served.sha256) throw new Error(`${path}: cache has sha256 ${actual}, hub serves ${served.sha256}`);
  }
}

export type { CliRun };

/** Starts the binary against the hub without waiting (same defaults as runAgainst). */
export function spawnAgainst(hub: LocalHub, args: readonly string[], options: HubRunOptions) {
  return spawnCli(withConfig(args), {
    cwd: options.cwd,
    env: { HF_ENDPOINT: hub.url, MODEL_MANAGER_RETRY_BASE_MS: "20", ...options.env },
  });
}

/** Polls `condition` every 20 ms until it holds; fails after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

function withConfig(args: readonly string[]): string[] {
  return args.includes("--config") || args.includes("-c") ? [...args] : ["--config", "models.yaml", ...args];
}
