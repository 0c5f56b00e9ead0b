import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { mountSmallFilesystem } from "../helpers/small-filesystem.ts";

const model = (id: string, repo: string) => `  - id: ${id}\n    repo_id: ${repo}\n`;
const cwd = project(`cache_dir: small/cache\nmodels:\n${model("m", "acme/roomy")}`);
const shared = project(`cache_dir: small/cache\nmodels:\n${model("big", "acme/huge")}${model("big2", "acme/huge-too")}`);
const skip = process.platform === "linux" ? (mountSmallFilesystem(join(cwd, "small"), 32) ?? mountSmallFilesystem(join(shared, "small"), 32)) : "tmpfs needs Linux";
if (skip) console.warn(`SKIP disk space tests: ${skip}`);

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: "acme/roomy", files: { "config.json": json({}), "model.safetensors": generated(2_000_000) } },
      { id: "acme/larger-than-the-disk", files: { "config.json": json({}), "model.safetensors": generated(40_000_000) } },
      { id: "acme/huge", files: { "config.json": json({}), "model.safetensors": generated(20_000_000) } },
      { id: "acme/huge-too", files: { "config.json": json({}), "model.safetensors": generated(20_000_000, "other") } },
    ],
  });
});
afterAll(async () => {
  for (const dir of [cwd, shared]) Bun.spawnSync(["umount", join(dir, "small")], { stderr: "ignore" });
  await hub.stop();
});

describe.skipIf(skip !== undefined)(mustRunOnCI("disk space"), () => {
  test("the headroom scales with the volume: a 1.9 MiB model fits a 32 MiB filesystem", async () => {
    hub.resetLog();
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(readdirSync(join(cwd, "small", "cache", "m")).sort()).toEqual(["config.json", "model.safetensors"]);
  });

  test("a download the disk cannot hold fails before any byte is fetched, saying how much is missing", async () => {
    writeFileSync(join(cwd, "models.yaml"), `cache_dir: small/cache\nmodels:\n${model("big", "acme/larger-than-the-disk")}`);
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Not enough disk space for model "big": it needs 38.1 MiB (plus 1.6 MiB headroom)');
    expect(run.stderr).toContain("MODEL_MANAGER_SKIP_SPACE_CHECK=1");
    expect(hub.requests.filter((request) => request.listener === "cdn")).toHaveLength(0);
    expect(existsSync(join(cwd, "small", "cache", "big"))).toBe(false);
  });

  test("models that fit one by one but not together: the one that would overflow fails before its first byte, naming the model writing the space", async () => {
    // The first download stalls for a stall timeout (2 s, ample for planning a model here), so it is still writing when the other model checks its space.
    hub.inject({ kind: "stall", afterBytes: 1_000_000, host: "cdn", path: "model.safetensors" });
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd: shared, env: { HF_HUB_DOWNLOAD_TIMEOUT: "2" } });
    expect(run.code).toBe(1);
    const refused = /Not enough disk space for model "(big2?)": it needs 19\.1 MiB \(plus 1\.6 MiB headroom\), but the filesystem holding \S+ has [\d.]+ MiB free, and model "(big2?)" of this run is still to write 19\.1 MiB of it\./.exec(run.stderr);
    expect(refused).not.toBeNull();
    const [, loser = "", winner = ""] = refused ?? [];
    expect(winner).not.toBe(loser);
    expect(run.stderr).not.toContain("no space left on device");
    // The other model is whole; the refused one fetched nothing and left nothing.
    expect(run.stdout).toBe(`${winner}\t${join(shared, "small", "cache", winner)}\n`);
    expectSameBytes(hub, winner === "big" ? "acme/huge" : "acme/huge-too", ["config.json", "model.safetensors"], join(shared, "small", "cache", winner));
    const fetched = hub.requests.filter((request) => request.listener === "cdn").map((request) => request.repo);
    expect(new Set(fetched)).toEqual(new Set([winner === "big" ? "acme/huge" : "acme/huge-too"]));
    expect(existsSync(join(shared, "small", "cache", loser))).toBe(false);
    expect(existsSync(join(shared, "small", "cache", ".model-manager", "partial", loser))).toBe(false);
  });

  test("a disk that fills up while two models download: the cause once, what is still needed and where the partials are, exit 1", async () => {
    writeFileSync(join(cwd, "models.yaml"), `cache_dir: small/cache\nmodels:\n${model("big", "acme/huge")}${model("big2", "acme/huge-too")}`);
    const run = await runAgainst(hub, [], { cwd, env: { MODEL_MANAGER_SKIP_SPACE_CHECK: "1" } });
    expect(run.code).toBe(1);
    const cause = `error: the disk holding ${join(cwd, "small", "cache")} is full (no space left on device); free some space, or choose another cache with --cache-dir`;
    expect(run.stderr.split("\n").filter((line) => line === cause)).toHaveLength(1);
    expect(run.stderr).toMatch(/\nerror: big2?: stopped with [\d.]+ [KM]iB still to fetch; what was fetched is kept in /);
    expect(run.stderr).not.toContain("unexpected failure");
    const partials = join(cwd, "small", "cache", ".model-manager", "partial");
    expect(readdirSync(partials).length).toBeGreaterThan(0);
  });
});
