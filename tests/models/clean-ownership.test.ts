import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runOffline } from "../helpers/run-cli.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";

// --clean removes only what model-manager wrote: a folder that merely sits where a model would go
// (cache_dir: ~ and a model called Documents) is left, said once, never deleted.
const REPO = "acme/owned";
const FILES = { "config.json": json({ layers: 2 }), "model.safetensors": generated(300_000) };
const config = (localDir?: string) => `cache_dir: cache\nmodels:\n  - id: Documents\n    repo_id: ${REPO}\n${localDir ? `    local_dir: ${localDir}\n` : ""}`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());


function usersFolder(cwd: string, name = "Documents"): string {
  const folder = join(cwd, "cache", name);
  mkdirSync(join(folder, "taxes"), { recursive: true });
  writeFileSync(join(folder, "taxes", "2025.txt"), "mine\n");
  return folder;
}

describe("--clean and a folder the index never recorded", () => {
  test("--clean, --clean-model and --dry-run leave it whole and say so once", async () => {
    const cwd = project(config());
    const folder = usersFolder(cwd);
    for (const args of [["--clean"], ["--clean-model", "Documents"], ["--clean", "--dry-run"]]) {
      const run = await runOffline(cwd, args);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("Documents: not in the cache, nothing to remove");
      const said = run.stdout.split("\n").filter((line) => line.includes(folder));
      expect(said).toEqual([`  left ${folder} as it is: the cache index does not record Documents there and model-manager did not write it`]);
      expect(readFileSync(join(folder, "taxes", "2025.txt"), "utf8")).toBe("mine\n");
    }
    const json = parseJsonOutput((await runOffline(cwd, ["--clean", "--json"])).stdout, "clean");
    expect(json.models[0]).toMatchObject({ id: "Documents", ok: true, removed: [], left: [folder], wasEmpty: true });
    expect(json.bytes).toBe(0);
    expect(existsSync(join(folder, "taxes", "2025.txt"))).toBe(true);
  });

  test("after a local_dir change onto such a folder, --clean-model removes the model's recorded files and leaves the folder", async () => {
    const cwd = project(config("weights"));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const folder = usersFolder(cwd, "mine");
    writeFileSync(join(cwd, "models.yaml"), config("mine"));
    const run = await runOffline(cwd, ["--clean-model", "Documents"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  removed ${join(cwd, "cache", "weights", "config.json")}`);
    expect(run.stdout).toContain(`  left ${folder} as it is`);
    expect(existsSync(join(cwd, "cache", "weights"))).toBe(false);
    expect(readFileSync(join(folder, "taxes", "2025.txt"), "utf8")).toBe("mine\n");
  });

  test("a first download cut short is model-manager's own: --clean-model removes what it placed", async () => {
    const cwd = project(config());
    // The weights never come; config.json is placed, and the index never records the model.
    hub.inject({ kind: "status", status: 503, path: "model.safetensors", times: "always" });
    try {
      const failed = await runAgainst(hub, ["-q"], { cwd });
      expect(failed.code).not.toBe(0);
    } finally {
      hub.clearFaults();
    }
    const folder = join(cwd, "cache", "Documents");
    expect(existsSync(join(folder, "config.json"))).toBe(true);
    expect(existsSync(join(cwd, "cache", "model-manager.lock.json"))).toBe(false);
    const run = await runOffline(cwd, ["--clean-model", "Documents"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  removed ${folder}`);
    expect(run.stdout).not.toContain("left");
    expect(existsSync(folder)).toBe(false);
    expect(existsSync(join(cwd, "cache", ".model-manager", "partial", "Documents"))).toBe(false);
  });

  test("a cache restored elsewhere with its index (cp -a) is model-manager's own: --clean removes the model's folder", async () => {
    const cwd = project(config());
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const restored = project(config().replace("cache_dir: cache", "cache_dir: restored"));
    expect(Bun.spawnSync(["cp", "-a", join(cwd, "cache"), join(restored, "restored")]).exitCode).toBe(0);
    const run = await runOffline(restored, ["--clean"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  removed ${join(restored, "restored", "Documents")}`);
    expect(run.stdout).not.toContain("left");
    expect(existsSync(join(restored, "restored", "Documents"))).toBe(false);
  });

  test("a completed download leaves no mark behind: its partial folder is gone", async () => {
    const cwd = project(config());
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(existsSync(join(cwd, "cache", ".model-manager", "partial", "Documents"))).toBe(false);
  });
});
