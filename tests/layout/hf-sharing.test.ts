/**
 * layout: hf through the compiled binary, where models share things: a local_dir (which hf ignores),
 * one repository in one run, one hub cache between two configurations.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, sha256OfFile, spawnAgainst, startHub, waitFor } from "../helpers/hub-scenario.ts";
import { finished, runOffline } from "../helpers/run-cli.ts";
import { tempDir } from "../helpers/binary.ts";
import { pythonSkipReason, runPython } from "../helpers/python-venv.ts";

const REPO = "acme/tiny";
const OTHER = "acme/second";
const BIG = generated(3_000_000, "sharing-weights");
const V1 = { "config.json": json({ layers: 2 }), "model.safetensors": BIG, "notes.txt": "notes\n" };
const V2 = { ...V1, "config.json": json({ layers: 3 }) };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: REPO, commits: [{ files: V1 }, { files: V2 }], tags: { v1: 0 } },
      { id: OTHER, files: { "config.json": json({ second: true }), "weights.safetensors": generated(2_000_000, "second-weights") } },
    ],
  });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

const hfConfig = (models: string) => `cache_dir: hub\nlayout: hf\nverify: sha256\nmodels:\n${models}`;
const model = (id: string, repo: string, extra = "") => `  - id: ${id}\n    repo_id: ${repo}\n${extra}`;
const downloadsOf = (path: string) => hub.requests.filter((request) => request.route === "resolve" && request.path === path).length;
const cdnBytesOf = (path: string) => hub.requests.filter((request) => request.listener === "cdn" && request.path === path).reduce((sum, request) => sum + request.bodyBytes, 0);
const snapshotOf = (cwd: string, repo: string, revision?: string) =>
  join(cwd, "hub", `models--${repo.replace("/", "--")}`, "snapshots", hub.file(repo, "config.json", { revision })!.commit);

const SMALL_CHUNKS = { MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "256KiB" };

/** Files under the cache's .locks/ folder (where the tool keeps its state) whose names end with `suffix`, relative to it. */
function stateFiles(cwd: string, suffix: string): string[] {
  const state = join(cwd, "hub", ".locks");
  if (!existsSync(state)) return [];
  return (readdirSync(state, { recursive: true }) as string[]).filter((path) => path.endsWith(suffix));
}
const partials = (cwd: string) => stateFiles(cwd, ".part");
const partialStates = (cwd: string) => stateFiles(cwd, ".state.json");

describe("layout: hf keys a model's own state by its id, not by local_dir", () => {
  test("two models sharing a local_dir each keep their own partial downloads; --clean-model of one leaves the other's, which the next run resumes", async () => {
    const cwd = project(hfConfig(model("first", REPO, "    local_dir: shared\n") + model("second", OTHER, "    local_dir: shared\n")));
    // The first model's weights come slowly; the run is interrupted once part of them is on disk.
    hub.inject({ kind: "bandwidth", bytesPerSecond: 1_000_000, path: "model.safetensors", host: "cdn", times: "always" });
    const proc = await spawnAgainst(hub, [], { cwd, env: SMALL_CHUNKS });
    const secondDone = () => existsSync(join(snapshotOf(cwd, OTHER), "weights.safetensors"));
    const firstPartial = () => partialStates(cwd).length > 0 && partials(cwd).some((path) => statSync(join(cwd, "hub", ".locks", path)).size > 0);
    await waitFor("the second model, and a partial download of the first", () => secondDone() && firstPartial());
    proc.kill("SIGINT");
    const failed = await finished(proc);
    expect(failed.code).toBe(130);
    expect(failed.stderr).toContain('models[0].local_dir: is ignored for model "first" with layout: hf');
    const kept = partials(cwd);
    expect(kept).toHaveLength(1);
    expect(sha256OfFile(join(snapshotOf(cwd, OTHER), "weights.safetensors"))).toBe(hub.file(OTHER, "weights.safetensors")!.sha256);

    const clean = await runOffline(cwd, ["--clean-model", "second"]);
    expect(clean.code).toBe(0);
    expect(partials(cwd)).toEqual(kept);

    hub.clearFaults();
    hub.resetLog();
    const resumed = await runAgainst(hub, ["-v", "--model", "first"], { cwd, env: SMALL_CHUNKS });
    expect(resumed.stderr).toContain("resuming model.safetensors");
    expect(resumed.code).toBe(0);
    const size = hub.file(REPO, "model.safetensors")!.size;
    expect(cdnBytesOf("model.safetensors")).toBeLessThan(size);
    expect(sha256OfFile(join(snapshotOf(cwd, REPO), "model.safetensors"))).toBe(hub.file(REPO, "model.safetensors")!.sha256);
    expect(partials(cwd)).toEqual([]);
  });

  test("an index entry recorded with a local_dir still serves the model when local_dir changes or goes: no request", async () => {
    const cwd = project(hfConfig(model("m", REPO, "    local_dir: custom/place\n")));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const index = readFileSync(join(cwd, "hub", ".locks", "model-manager", "model-manager.lock.json"), "utf8");
    expect(JSON.parse(index).models.m.localDir).toBe("custom/place");
    for (const config of [hfConfig(model("m", REPO, "    local_dir: elsewhere\n")), hfConfig(model("m", REPO))]) {
      writeFileSync(join(cwd, "models.yaml"), config);
      hub.resetLog();
      const run = await runAgainst(hub, [], { cwd });
      expect(run.code).toBe(0);
      expect(hub.requests).toHaveLength(0);
      const list = await runOffline(cwd, ["--list", "--json"]);
      expect(JSON.parse(list.stdout).models[0].status).toBe("cached");
    }
  });

  test("--cache-key ignores local_dir under layout: hf", async () => {
    const keyOf = async (config: string) => (await runOffline(project(config), ["--cache-key"])).stdout.trim();
    const bare = await keyOf(hfConfig(model("m", REPO)));
    expect(bare).toMatch(/^model-manager-v1-[0-9a-f]{32}$/);
    expect(await keyOf(hfConfig(model("m", REPO, "    local_dir: somewhere\n")))).toBe(bare);
  });
});

describe("layout: hf, several models of one repository in one run", () => {
  test("a blob two models share is downloaded once in their first run, and both snapshots link to it", async () => {
    const cwd = project(hfConfig(model("new", REPO) + model("old", REPO, "    revision: v1\n")));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    // They take turns; the one that waits says for what, not for a process that is this one.
    expect(run.stderr).toMatch(/^(new|old): waiting for another call in this process \(working on model (old|new)\)$/m);
    expect(run.stderr).not.toContain("waiting for process");
    expect(downloadsOf("model.safetensors")).toBe(1);
    expect(downloadsOf("notes.txt")).toBe(1);
    expect(downloadsOf("config.json")).toBe(2);
    for (const snapshot of [snapshotOf(cwd, REPO), snapshotOf(cwd, REPO, "v1")]) {
      expect(sha256OfFile(join(snapshot, "model.safetensors"))).toBe(hub.file(REPO, "model.safetensors")!.sha256);
    }
    expect((await runOffline(cwd, ["--verify-only"])).code).toBe(0);
  });
});

describe("layout: hf, --list on a ref Python cannot follow", () => {
  test("a missing ref, one with a trailing newline or naming a commit with no snapshot is listed as modified, saying what is wrong; the next run fixes it", async () => {
    const cwd = project(hfConfig(model("m", REPO)));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const ref = join(cwd, "hub", "models--acme--tiny", "refs", "main");
    const commit = hub.file(REPO, "config.json")!.commit;
    const cases: Array<[string | undefined, string]> = [
      [undefined, "refs/main is missing"],
      [`${commit}\n`, `refs/main is not exactly a commit (it holds ${JSON.stringify(`${commit}\n`)})`],
      ["1".repeat(40), "refs/main names commit 111111111111, which has no snapshot"],
    ];
    for (const [written, problem] of cases) {
      if (written === undefined) rmSync(ref);
      else writeFileSync(ref, written);
      const listed = JSON.parse((await runOffline(cwd, ["--list", "--json"])).stdout).models[0];
      expect(listed).toMatchObject({ status: "modified", changedFiles: 0, problem });
      expect((await runOffline(cwd, ["--list"])).stdout).toContain(`modified (${problem})`);
      expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
      const fixed = JSON.parse((await runOffline(cwd, ["--list", "--json"])).stdout).models[0];
      expect(fixed.status).toBe("cached");
      expect(fixed.problem).toBeUndefined();
      expect(readFileSync(ref, "utf8")).toBe(commit);
    }
  });
});

describe("layout: hf, one hub cache shared by two configurations", () => {
  test("the same id and repository at two revisions: neither run removes the other's snapshot, nothing is downloaded again, and Python loads both offline", async () => {
    const hubCache = join(tempDir("mm-shared-revisions"), "hub");
    const mainConfig = project(`layout: hf\nmodels:\n${model("m", REPO)}`);
    const v1Config = project(`layout: hf\nmodels:\n${model("m", REPO, "    revision: v1\n")}`);
    const run = (cwd: string) => runAgainst(hub, ["-q"], { cwd, env: { HF_HUB_CACHE: hubCache } });
    const repo = join(hubCache, "models--acme--tiny");
    const commits = [hub.file(REPO, "config.json")!.commit, hub.file(REPO, "config.json", { revision: "v1" })!.commit].sort();
    expect((await run(mainConfig)).code).toBe(0);
    expect((await run(v1Config)).code).toBe(0);
    for (const cwd of [mainConfig, v1Config, mainConfig, v1Config]) {
      hub.resetLog();
      const again = await run(cwd);
      expect(again.stderr).toBe("");
      expect(again.code).toBe(0);
      expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
      expect(readdirSync(join(repo, "snapshots")).sort()).toEqual(commits);
      expect(readdirSync(join(repo, "refs")).sort()).toEqual(["main", "v1"]);
    }
    if (pythonSkipReason()) return;
    const loaded = await runPython(
      `import json; from huggingface_hub import snapshot_download\nprint(json.dumps([snapshot_download("${REPO}", revision=r, local_files_only=True) for r in ("main", "v1")]))`,
      { HOME: tempDir("mm-pyhome"), HF_HUB_CACHE: hubCache, HF_HUB_OFFLINE: "1" },
    );
    expect(loaded.stderr).not.toContain("Error");
    expect(loaded.value).toEqual([join(repo, "snapshots", hub.file(REPO, "config.json")!.commit), join(repo, "snapshots", hub.file(REPO, "config.json", { revision: "v1" })!.commit)]);
  }, 120_000);

  test("one configuration moving its model to another revision still removes the snapshot only it used", async () => {
    const cwd = project(hfConfig(model("m", REPO, "    revision: v1\n")));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), hfConfig(model("m", REPO)));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(readdirSync(join(cwd, "hub", "models--acme--tiny", "snapshots"))).toEqual([hub.file(REPO, "config.json")!.commit]);
  });
});

describe("layout: hf, a release from before the repository locks working on the same cache", () => {
  test("a run waits while the lock such a release holds on the model's partial downloads folder is taken, then finishes", async () => {
    // No local_dir: such a release kept m's partial downloads where this one does (.model-manager/partial/m), under the lock model-m.
    const cwd = project(hfConfig(model("m", REPO)));
    const locks = join(cwd, "hub", ".locks", "model-manager", ".model-manager", "locks");
    mkdirSync(locks, { recursive: true });
    const owner = { pid: process.pid, hostname: hostname(), createdAt: new Date().toISOString(), token: "older-release", purpose: "working on model m" };
    writeFileSync(join(locks, "model-m.lock"), `${JSON.stringify(owner)}\n`);
    const proc = await spawnAgainst(hub, [], { cwd });
    let stderr = "";
    const reader = (async () => {
      for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) stderr += new TextDecoder().decode(chunk);
    })();
    await waitFor("the run to wait for the lock", () => stderr.includes("m: waiting for"));
    expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
    rmSync(join(locks, "model-m.lock"));
    expect(await proc.exited).toBe(0);
    await reader;
    expect(readFileSync(join(snapshotOf(cwd, REPO), "notes.txt"), "utf8")).toBe("notes\n");
  });
});
