import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { cacheIndexOf, downloadedProject, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runOffline } from "../helpers/run-cli.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";

const REPO = "acme/cached";
const FILES = { "config.json": json({ layers: 2 }), "tokenizer.json": json({ vocab: ["a", "b"] }), "model.safetensors": generated(2_000_000), "extra/notes.txt": "notes\n" };
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

function flipByte(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0xff;
  writeFileSync(path, bytes);
}

const model = (cwd: string, path = "") => join(cwd, "cache", "m", path);

describe("--verify-only", () => {
  test("passes on an intact cache with no network at all", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const run = await runOffline(cwd, ["--verify-only"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK {10}m \(4 files, 1\.9 MiB, sha256\)\n$/);
  });

  test("finds a flipped byte and a truncated file (exit 3), and the next run repairs only those files", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    flipByte(model(cwd, "model.safetensors"), 1000);
    truncateSync(model(cwd, "tokenizer.json"), 5);
    const report = await runOffline(cwd, ["--verify-only"]);
    expect(report.code).toBe(3);
    expect(report.stdout).toContain("FAILED      m");
    expect(report.stdout).toContain("model.safetensors: wrong sha256");
    expect(report.stdout).toContain("tokenizer.json: wrong size (expected");

    const json = await runOffline(cwd, ["--verify-only", "--json"]);
    const failures = (parseJsonOutput(json.stdout, "verify-only").models[0] as { failures: Array<{ path: string; reason: string }> }).failures.map((failure: { path: string; reason: string }) => [failure.path, failure.reason]);
    expect(failures.sort()).toEqual([
      ["model.safetensors", "sha256"],
      ["tokenizer.json", "size"],
    ]);

    const repair = await runAgainst(hub, [], { cwd });
    expect(repair.code).toBe(0);
    expect(repair.stderr).toContain("m: repaired 2 files");
    const fetched = hub.requests.filter((request) => request.route === "resolve").map((request) => request.path);
    expect(fetched.sort()).toEqual(["model.safetensors", "tokenizer.json"]);
    expect(hub.requests.filter((request) => request.route === "api-tree")).toHaveLength(0);
    expectSameBytes(hub, REPO, Object.keys(FILES), model(cwd));
    expect(readdirSync(join(cwd, "cache", ".model-manager", "quarantine", "m"))).toHaveLength(2);
    expect((await runOffline(cwd, ["--verify-only"])).code).toBe(0);
  });

  test("a flipped byte that kept size and mtime is found by --verify-only and repaired by the next run", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const path = model(cwd, "model.safetensors");
    const before = Bun.file(path).lastModified / 1000;
    flipByte(path, 77);
    utimesSync(path, before, before);
    expect((await runOffline(cwd, ["--verify-only"])).code).toBe(3);
    const repair = await runAgainst(hub, ["-q"], { cwd });
    expect(repair.code).toBe(0);
    expectSameBytes(hub, REPO, ["model.safetensors"], model(cwd));
  });

  test("--verify none|size|sha256 overrides the configured level for the run", async () => {
    const cwd = await downloadedProject(hub, CONFIG.replace("verify: sha256", "verify: none"));
    flipByte(model(cwd, "config.json"), 2);
    expect((await runOffline(cwd, ["--verify-only"])).code).toBe(0);
    expect((await runOffline(cwd, ["--verify-only", "--verify", "size"])).code).toBe(0);
    const strict = await runOffline(cwd, ["--verify-only", "--verify", "sha256"]);
    expect(strict.code).toBe(3);
    expect(strict.stdout).toContain("config.json: wrong git blob sha1");
  });

  test("a touched but intact file is re-checked, not re-downloaded", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    utimesSync(model(cwd, "model.safetensors"), new Date(), new Date(Date.now() + 5000));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("m: checking 1 file at level sha256");
    expect(run.stderr).toContain("m: verified");
    expect(hub.requests).toHaveLength(0);
  });
});

describe("the cache index", () => {
  test("a corrupt index is moved aside with a warning and rebuilt from the files on disk and the Hub", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const indexPath = join(cwd, "cache", "model-manager.lock.json");
    writeFileSync(indexPath, '{"version": 1, "models": {"m": {"repoId": ');
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning:");
    expect(readdirSync(join(cwd, "cache")).some((name) => name.startsWith("model-manager.lock.json.corrupt-"))).toBe(true);
    // Rebuilt: the files already on disk were checked, not downloaded again.
    expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
    expect(JSON.parse(readFileSync(indexPath, "utf8")).models.m.files).toHaveLength(4);
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
  });

  test("an index written by a newer version is kept aside, not overwritten", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const indexPath = join(cwd, "cache", "model-manager.lock.json");
    writeFileSync(indexPath, JSON.stringify({ version: 99, models: {} }));
    const run = await runAgainst(hub, ["--list"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning:");
    expect(readdirSync(join(cwd, "cache")).some((name) => name.startsWith("model-manager.lock.json.newer-"))).toBe(true);
  });
});

describe("configuration changes", () => {
  test("a narrower selection removes the files no longer selected and fetches nothing", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    writeFileSync(join(cwd, "models.yaml"), `${CONFIG}    files: ["*.json"]\n`);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("removed 2 files no longer selected");
    expect(existsSync(model(cwd, "model.safetensors"))).toBe(false);
    expect(existsSync(model(cwd, "extra"))).toBe(false);
    expect(existsSync(model(cwd, "config.json"))).toBe(true);
    expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
  });

  test("a new revision reuses unchanged files and fetches only what changed", async () => {
    const repo = "acme/evolving";
    hub.addRepo({ id: repo, files: FILES });
    const cwd = await downloadedProject(hub, CONFIG.replace(REPO, repo));
    const v2 = hub.pushCommit({ repo, files: { "config.json": json({ layers: 3 }) } });
    writeFileSync(join(cwd, "models.yaml"), `${CONFIG.replace(REPO, repo)}    revision: ${v2}\n`);
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(hub.requests.filter((request) => request.route === "resolve").map((request) => request.path)).toEqual(["config.json"]);
    expect(JSON.parse(readFileSync(model(cwd, "config.json"), "utf8")).layers).toBe(3);
  });

  test("a new local_dir gets the files and the old folder's files are removed", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    writeFileSync(join(cwd, "models.yaml"), `${CONFIG}    local_dir: moved/here\n`);
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`m\t${join(cwd, "cache", "moved", "here")}\n`);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "moved", "here"));
    expect(existsSync(model(cwd))).toBe(false);
  });

  test("--list shows cached, modified and outdated models", async () => {
    const cwd = await downloadedProject(hub, `${CONFIG}  - id: other\n    repo_id: ${REPO}\n    files: [config.json]\n`);
    const cached = await runOffline(cwd, ["--list", "--json"]);
    expect((parseJsonOutput(cached.stdout, "list").models as Array<{ status: string }>).map((row) => row.status)).toEqual(["cached", "cached"]);
    writeFileSync(model(cwd, "config.json"), "{}");
    writeFileSync(join(cwd, "models.yaml"), `${CONFIG}  - id: other\n    repo_id: ${REPO}\n    files: [tokenizer.json]\n`);
    const after = await runOffline(cwd, ["--list"]);
    expect(after.stdout).toMatch(/\nm\s+acme\/cached@main \([0-9a-f]{7}\)\s+modified\s+4\s/);
    expect(after.stdout).toMatch(/\nother\s+acme\/cached@main \([0-9a-f]{7}\)\s+outdated\s/);
  });
});

describe("--clean", () => {
  test("removes the model, its partials, its quarantine and its index entry; --dry-run only lists them", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    flipByte(model(cwd, "config.json"), 1);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const dry = await runOffline(cwd, ["--clean-model", "m", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("m: would remove 1.9 MiB");
    expect(dry.stdout).toContain(`would remove ${model(cwd)}`);
    expect(dry.stdout).toContain(`would remove ${join(cwd, "cache", ".model-manager", "quarantine", "m")}`);
    expect(existsSync(model(cwd))).toBe(true);

    const clean = await runOffline(cwd, ["--clean-model", "m"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain("m: removed");
    expect(existsSync(model(cwd))).toBe(false);
    expect(existsSync(join(cwd, "cache", ".model-manager", "quarantine", "m"))).toBe(false);
    expect(cacheIndexOf(cwd).models).toEqual({});
    const again = await runOffline(cwd, ["--clean-model", "m"]);
    expect(again.stdout).toContain("m: not in the cache, nothing to remove");
  });
});

describe("offline mode", () => {
  test("HF_HUB_OFFLINE=1 serves a cached model without any request", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const run = await runOffline(cwd, [], { HF_HUB_OFFLINE: "1" });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`m\t${model(cwd)}\n`);
  });

  test("HF_HUB_OFFLINE=1 with a damaged file says which files cannot be repaired (exit 4)", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    truncateSync(model(cwd, "config.json"), 1);
    const run = await runOffline(cwd, [], { HF_HUB_OFFLINE: "1" });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`error: Model "m" is not in the cache: 1 file(s) in ${model(cwd)} are missing or damaged (config.json) and HF_HUB_OFFLINE is set`);
    // Nothing announces a fetch that cannot happen, and the model is named once.
    expect(run.stderr).not.toContain("fetching");
    expect(run.stderr).not.toContain('m: Model "m"');
  });

  test("HF_HUB_OFFLINE=1 with a model never downloaded names the folder it looked in (exit 4)", async () => {
    const cwd = project(CONFIG);
    const run = await runOffline(cwd, [], { HF_HUB_OFFLINE: "1" });
    expect(run.code).toBe(4);
    expect(run.stderr.split("\n")[0]).toBe(
      `error: Model "m" is not in the cache: the cache index in ${join(cwd, "cache")} records no copy (looked for ${model(cwd)}), and HF_HUB_OFFLINE is set, so it cannot be downloaded`,
    );
  });
});
