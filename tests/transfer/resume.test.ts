import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { expectSameBytes, project, runAgainst, spawnAgainst, startHub, waitFor } from "../helpers/hub-scenario.ts";
import { finished } from "../helpers/run-cli.ts";
import { formatBytes } from "../../src/output/format.ts";

const REPO = "acme/resumable";
const BIG = "model.safetensors";
const MiB = 1024 * 1024;
const BIG_SIZE = 12 * MiB + 77;
const CHUNK = MiB;
const CONNECTIONS = 4;
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;
const ENV = {
  MODEL_MANAGER_RANGED_THRESHOLD: "1MiB",
  MODEL_MANAGER_CHUNK_SIZE: "1MiB",
  MODEL_MANAGER_CONNECTIONS_PER_FILE: String(CONNECTIONS),
};

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { "config.json": json({ a: 1 }), [BIG]: generated(BIG_SIZE) } }] });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

const statePath = (cwd: string) => join(cwd, "cache", ".model-manager", "partial", "m", `${BIG}.state.json`);
const partialPath = (cwd: string) => join(cwd, "cache", ".model-manager", "partial", "m", `${BIG}.part`);

function recordedBytes(cwd: string): number {
  if (!existsSync(statePath(cwd))) return 0;
  const state = JSON.parse(readFileSync(statePath(cwd), "utf8")) as { done: Array<[number, number]> };
  return state.done.reduce((sum, [start, end]) => sum + (end - start), 0);
}

const cdnBytes = () => hub.requests.filter((request) => request.listener === "cdn" && request.path === BIG).reduce((sum, request) => sum + request.bodyBytes, 0);

/** Starts a slow download and stops it with `signal` once at least `bytes` are recorded as on disk. */
async function interruptAfter(cwd: string, bytes: number, signal: "SIGKILL" | "SIGINT") {
  hub.inject({ kind: "bandwidth", bytesPerSecond: 1_500_000, host: "cdn", path: BIG, times: "always" });
  const proc = await spawnAgainst(hub, [], { cwd, env: ENV });
  await waitFor("resume state on disk", () => recordedBytes(cwd) >= bytes);
  proc.kill(signal);
  const run = await finished(proc);
  hub.clearFaults();
  return run;
}

describe("resuming after an interrupted run", () => {
  test("after kill -9, the next run fetches only what is missing, losing at most one chunk per connection", async () => {
    const cwd = project(CONFIG);
    const killed = await interruptAfter(cwd, 4 * MiB, "SIGKILL");
    expect(killed.code).not.toBe(0);
    expect(existsSync(join(cwd, "cache", "m", BIG))).toBe(false);
    const servedBeforeKill = cdnBytes();
    const onDisk = recordedBytes(cwd);
    expect(servedBeforeKill - onDisk).toBeLessThanOrEqual(CONNECTIONS * CHUNK);

    hub.resetLog();
    const rerun = await runAgainst(hub, ["-v"], { cwd, env: ENV });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain(`resuming ${BIG}: ${onDisk} of ${BIG_SIZE} bytes already on disk`);
    expect(cdnBytes()).toBe(BIG_SIZE - onDisk);
    expectSameBytes(hub, REPO, ["config.json", BIG], join(cwd, "cache", "m"));
    expect(existsSync(partialPath(cwd))).toBe(false);
    expect(existsSync(statePath(cwd))).toBe(false);
  });

  test("SIGINT stops cleanly with exit 130, keeps the partial download, and the next run resumes it", async () => {
    const cwd = project(CONFIG);
    const interrupted = await interruptAfter(cwd, 3 * MiB, "SIGINT");
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain("Interrupted by SIGINT; partial downloads were kept");
    const onDisk = recordedBytes(cwd);
    expect(onDisk).toBeGreaterThanOrEqual(3 * MiB);
    expect(existsSync(join(cwd, "cache", "m", BIG))).toBe(false);
    // --list shows how far the download got.
    const list = await runAgainst(hub, ["--list"], { cwd });
    expect(list.stdout).toMatch(new RegExp(`^m +acme/resumable@main +partial \\(${formatBytes(onDisk).replace(".", "\\.")} of 12\\.0 MiB\\) `, "m"));

    hub.resetLog();
    const rerun = await runAgainst(hub, ["-q"], { cwd, env: ENV });
    expect(rerun.code).toBe(0);
    expect(cdnBytes()).toBe(BIG_SIZE - onDisk);
    expectSameBytes(hub, REPO, [BIG], join(cwd, "cache", "m"));
  });

  test("a partial download of a file that changed upstream is discarded, never mixed", async () => {
    const repo = "acme/changing";
    hub.addRepo({ id: repo, files: { [BIG]: generated(BIG_SIZE, "first") } });
    const cwd = project(CONFIG.replace(REPO, repo));
    hub.inject({ kind: "bandwidth", bytesPerSecond: 1_500_000, host: "cdn", path: BIG, times: "always" });
    const proc = await spawnAgainst(hub, [], { cwd, env: ENV });
    await waitFor("resume state on disk", () => recordedBytes(cwd) >= 2 * MiB);
    proc.kill("SIGKILL");
    await finished(proc);
    hub.clearFaults();

    hub.pushCommit({ repo, files: { [BIG]: generated(BIG_SIZE, "second") } });
    hub.resetLog();
    const rerun = await runAgainst(hub, ["-q"], { cwd, env: ENV });
    expect(rerun.code).toBe(0);
    expect(cdnBytes()).toBe(BIG_SIZE);
    expectSameBytes(hub, repo, [BIG], join(cwd, "cache", "m"));
  });

  for (const verify of ["size", "none"]) {
    test(`at verify: ${verify}, recorded ranges beyond a truncated .part are fetched again, never placed as zeros`, async () => {
      const cwd = project(CONFIG.replace("verify: sha256", `verify: ${verify}`));
      await interruptAfter(cwd, 3 * MiB, "SIGKILL");
      expect(recordedBytes(cwd)).toBeGreaterThanOrEqual(3 * MiB);
      // The state file is intact but the .part lost its tail (a copy, a restore, a full disk).
      truncateSync(partialPath(cwd), MiB);

      hub.resetLog();
      const rerun = await runAgainst(hub, ["-q"], { cwd, env: ENV });
      expect(rerun.code).toBe(0);
      expectSameBytes(hub, REPO, [BIG], join(cwd, "cache", "m"));
      expect(cdnBytes()).toBeGreaterThanOrEqual(BIG_SIZE - MiB);
    });
  }
});
