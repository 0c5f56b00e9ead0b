import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { cacheIndexOf, expectSameBytes, project, runAgainst, spawnAgainst, startHub, waitFor } from "../helpers/hub-scenario.ts";
import { finished } from "../helpers/run-cli.ts";

const MODELS = ["acme/alpha", "acme/beta", "acme/gamma"];
const BIG = "model.safetensors";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: MODELS.map((id) => ({ id, files: { "config.json": json({ id }), [BIG]: generated(3_000_000) } })),
  });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

function config(ids: readonly string[]): string {
  return `cache_dir: cache\nverify: sha256\nmodels:\n${ids.map((id) => `  - id: ${id.split("/")[1]}\n    repo_id: ${id}\n`).join("")}`;
}

const downloadsOf = (repo: string, path: string) =>
  hub.requests.filter((request) => request.listener === "cdn" && request.repo === repo && request.path === path && request.status < 300).length;

describe("several processes on one cache", () => {
  test("three runs at once with overlapping configs all succeed, each file is fetched once, no index entry is lost", async () => {
    const cwd = project(config(MODELS));
    writeFileSync(join(cwd, "ab.yaml"), config(MODELS.slice(0, 2)));
    writeFileSync(join(cwd, "bc.yaml"), config(MODELS.slice(1)));
    // Slow transfers (1.5 s a file), so the runs really overlap: checked below by who waited.
    hub.inject({ kind: "bandwidth", bytesPerSecond: 2_000_000, host: "cdn", times: "always" });
    const runs = await Promise.all([
      spawnAgainst(hub, [], { cwd }),
      spawnAgainst(hub, ["--config", "ab.yaml"], { cwd }),
      spawnAgainst(hub, ["--config", "bc.yaml"], { cwd }),
    ]);
    const results = await Promise.all(runs.map(finished));
    for (const result of results) {
      expect(result.stderr).not.toMatch(/error|warning/i);
      expect(result.code).toBe(0);
    }
    // Every model is in two of the configs: a run that found another downloading it waited for it.
    const waits = results.flatMap((result) => result.stderr.split("\n").filter((line) => /^\w+: waiting for process \d+/.test(line)));
    expect(waits.length).toBeGreaterThan(0);
    for (const repo of MODELS) {
      expect(downloadsOf(repo, BIG)).toBe(1);
      expectSameBytes(hub, repo, ["config.json", BIG], join(cwd, "cache", repo.split("/")[1] as string));
    }
    const index = cacheIndexOf(cwd);
    expect(Object.keys(index.models).sort()).toEqual(["alpha", "beta", "gamma"]);
  });

  test("a process killed while holding a model's lock does not block the next one", async () => {
    const cwd = project(config(["acme/alpha"]));
    hub.inject({ kind: "bandwidth", bytesPerSecond: 500_000, host: "cdn", path: BIG, times: "always" });
    const holder = await spawnAgainst(hub, ["-q"], { cwd });
    const lock = join(cwd, "cache", ".model-manager", "locks", "model-alpha.lock");
    await waitFor("the first run to take the model lock", () => existsSync(lock));
    await waitFor("the first run to be downloading", () => downloadsOf("acme/alpha", BIG) + hub.requests.filter((r) => r.listener === "cdn").length > 0);
    holder.kill("SIGKILL");
    await finished(holder);
    expect(existsSync(lock)).toBe(true);
    hub.clearFaults();

    const next = await runAgainst(hub, [], { cwd });
    expect(next.code).toBe(0);
    expect(next.stderr).toContain("took over a stale lock of process");
    expectSameBytes(hub, "acme/alpha", ["config.json", BIG], join(cwd, "cache", "alpha"));
  });

  test("a live download whose lock file looks 5 minutes old (a clock step) is waited for, never taken over", async () => {
    const cwd = project(config(["acme/gamma"]));
    hub.inject({ kind: "bandwidth", bytesPerSecond: 1_500_000, host: "cdn", path: BIG, times: "always" });
    const first = await spawnAgainst(hub, ["-q"], { cwd });
    const lock = join(cwd, "cache", ".model-manager", "locks", "model-gamma.lock");
    await waitFor("the first run to take the model lock", () => existsSync(lock));
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    utimesSync(lock, fiveMinutesAgo, fiveMinutesAgo);
    const second = await runAgainst(hub, [], { cwd });
    const holder = await finished(first);
    expect(holder.stderr).toBe("");
    expect(holder.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("gamma: waiting for process");
    expect(second.stderr).not.toContain("took over");
    expect(downloadsOf("acme/gamma", BIG)).toBe(1);
  });

  test("a second run waits for the first and then finds the model cached", async () => {
    const cwd = project(config(["acme/beta"]));
    hub.inject({ kind: "bandwidth", bytesPerSecond: 3_000_000, host: "cdn", path: BIG, times: "always" });
    const first = await spawnAgainst(hub, ["-q"], { cwd });
    await waitFor("the first run to take the model lock", () => existsSync(join(cwd, "cache", ".model-manager", "locks", "model-beta.lock")));
    const second = await runAgainst(hub, [], { cwd });
    expect((await finished(first)).code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("beta: waiting for process");
    expect(second.stderr).toContain("beta: cached");
    expect(downloadsOf("acme/beta", BIG)).toBe(1);
  });
});
