/** --refresh: following a branch that moved, through the compiled binary against the local hub. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { downloadedProject, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

const V1_FILES = {
  "config.json": json({ layers: 2 }),
  "tokenizer.json": json({ vocab: ["a", "b", "c"] }),
  "model.safetensors": generated(2_000_000, "weights-v1"),
  "extra/notes.txt": "notes\n",
};

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub.stop());

let repoCount = 0;
/** A fresh repository per test, so pushes do not leak between tests; returns its id and first commit. */
function freshRepo(): { repo: string; v1: string } {
  const repo = `acme/moving-${++repoCount}`;
  hub.addRepo({ id: repo, files: V1_FILES });
  return { repo, v1: hub.file(repo, "config.json")?.commit as string };
}

/**
 * "m" follows main at verify: size (where a same-length edit is the trap); "pinned" is pinned to the
 * first commit and never moves.
 */
function config(repo: string, v1: string): string {
  return `cache_dir: cache\nverify: size\nmodels:\n  - id: m\n    repo_id: ${repo}\n  - id: pinned\n    repo_id: ${repo}\n    revision: ${v1}\n    files: [config.json]\n`;
}

/** A push to main: config.json edited to the same length, new weights of the same size, a new file, a deleted file. */
function pushUpdate(repo: string): string {
  return hub.pushCommit({
    repo,
    files: { "config.json": json({ layers: 3 }), "model.safetensors": generated(2_000_000, "weights-v2"), "new.txt": "new\n" },
    delete: ["extra/notes.txt"],
  });
}

const modelFile = (cwd: string, path: string) => join(cwd, "cache", "m", path);

describe("--refresh", () => {
  test("without --refresh a cached model still costs zero requests after its branch moved", async () => {
    const { repo, v1 } = freshRepo();
    const cwd = await downloadedProject(hub, config(repo, v1));
    pushUpdate(repo);
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    expect(run.stderr).toContain("m: cached");
    expect(JSON.parse(readFileSync(modelFile(cwd, "config.json"), "utf8")).layers).toBe(2);
  });

  test("--list --refresh shows which models are behind their branch, asking only for the moving revision, downloading nothing", async () => {
    const { repo, v1 } = freshRepo();
    const cwd = await downloadedProject(hub, config(repo, v1));
    const v2 = pushUpdate(repo);
    hub.resetLog();
    const run = await runAgainst(hub, ["--list", "--refresh"], { cwd });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/\sUPSTREAM$/);
    expect(lines[1]).toMatch(new RegExp(`^m\\s.*\\sbehind → ${v2.slice(0, 7)}$`));
    expect(lines[2]).toMatch(/^pinned\s.*\s-$/);
    expect(run.stderr).toContain("1 of 2 models behind their branch or tag");
    expect(hub.requests.map((request) => request.route)).toEqual(["api-revision"]);
    expect(JSON.parse(readFileSync(modelFile(cwd, "config.json"), "utf8")).layers).toBe(2);

    const listed = parseJsonOutput((await runAgainst(hub, ["--list", "--refresh", "--json"], { cwd })).stdout, "list");
    expect(listed.models).toMatchObject([
      { id: "m", ok: true, commit: v1, upstreamCommit: v2, behind: true },
      { id: "pinned", ok: true, commit: v1, upstreamCommit: null, behind: false },
    ]);
    const plain = parseJsonOutput((await runAgainst(hub, ["--list", "--json"], { cwd })).stdout, "list");
    expect(plain.models[0]).not.toHaveProperty("behind");
  });

  test("--refresh fetches only the files whose content changed, verifies them, removes deleted ones and says what moved", async () => {
    const { repo, v1 } = freshRepo();
    const cwd = await downloadedProject(hub, config(repo, v1));
    const v2 = pushUpdate(repo);

    const plan = await runAgainst(hub, ["--dry-run", "--refresh"], { cwd });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`m: update at ${v2.slice(0, 12)}, would download 3 files`);
    expect(plan.stdout).toContain("  - extra/notes.txt");
    const planned = parseJsonOutput((await runAgainst(hub, ["--dry-run", "--refresh", "--json", "--model", "m"], { cwd })).stdout, "dry-run");
    expect(planned.models).toMatchObject([{ id: "m", ok: true, action: "update", previousCommit: v1, commit: v2, remove: ["extra/notes.txt"] }]);
    expect(existsSync(modelFile(cwd, "new.txt"))).toBe(false);

    hub.resetLog();
    const run = await runAgainst(hub, ["--refresh"], { cwd });
    expect(run.code).toBe(0);
    const changedBytes = ["config.json", "model.safetensors", "new.txt"].reduce((sum, path) => sum + (hub.file(repo, path)?.size ?? 0), 0);
    expect(changedBytes).toBeGreaterThan(2_000_000);
    expect(run.stderr).toContain(`m: updated main ${v1.slice(0, 7)} → ${v2.slice(0, 7)} (3 files, 1.9 MiB), verified (size)`);
    expect(run.stderr).toContain("pinned: cached");
    const fetched = hub.requests.filter((request) => request.route === "resolve").map((request) => request.path);
    expect(fetched.sort()).toEqual(["config.json", "model.safetensors", "new.txt"]);
    expectSameBytes(hub, repo, ["config.json", "tokenizer.json", "model.safetensors", "new.txt"], join(cwd, "cache", "m"));
    expect(existsSync(modelFile(cwd, "extra"))).toBe(false);
    expect(JSON.parse(readFileSync(join(cwd, "cache", "pinned", "config.json"), "utf8")).layers).toBe(2);

    // Up to date now: one question to the Hub, no download; without --refresh, none at all.
    hub.resetLog();
    const again = parseJsonOutput((await runAgainst(hub, ["--refresh", "--json"], { cwd })).stdout, "download");
    expect(again.models).toMatchObject([{ id: "m", action: "cached", commit: v2 }, { id: "pinned", action: "cached", commit: v1 }]);
    expect(hub.requests.map((request) => request.route)).toEqual(["api-revision"]);
    hub.resetLog();
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
  });

  test("--refresh --json reports the update with the commit it moved from", async () => {
    const { repo, v1 } = freshRepo();
    const cwd = await downloadedProject(hub, config(repo, v1));
    const v2 = pushUpdate(repo);
    const run = await runAgainst(hub, ["--refresh", "--json", "--model", "m"], { cwd });
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run.stdout, "download").models).toMatchObject([
      { id: "m", ok: true, action: "update", previousCommit: v1, commit: v2, downloadedFiles: 3, files: 4 },
    ]);
  });

  test("a tag that moved is followed the same way; a tag that did not move is left alone", async () => {
    const repo = `acme/tagged-${++repoCount}`;
    hub.addRepo({ id: repo, files: V1_FILES, tags: { stable: 0, frozen: 0 } });
    const v1 = hub.file(repo, "config.json")?.commit as string;
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${repo}\n    revision: stable\n  - id: f\n    repo_id: ${repo}\n    revision: frozen\n    files: [config.json]\n`);
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const v2 = hub.pushCommit({ repo, files: { "config.json": json({ layers: 3 }) }, tag: "stable" });
    const listed = parseJsonOutput((await runAgainst(hub, ["--list", "--refresh", "--json"], { cwd })).stdout, "list");
    expect(listed.models).toMatchObject([
      { id: "m", commit: v1, upstreamCommit: v2, behind: true },
      { id: "f", commit: v1, upstreamCommit: v1, behind: false },
    ]);
    hub.resetLog();
    const run = await runAgainst(hub, ["--refresh"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`m: updated stable ${v1.slice(0, 7)} → ${v2.slice(0, 7)} (1 file, `);
    expect(run.stderr).toContain("f: cached");
    expect(hub.requests.filter((request) => request.route === "resolve").map((request) => request.path)).toEqual(["config.json"]);
    expect(JSON.parse(readFileSync(modelFile(cwd, "config.json"), "utf8")).layers).toBe(3);
  });

  test("--refresh needs the network and applies only to downloads and --list", async () => {
    const { repo, v1 } = freshRepo();
    const cwd = project(config(repo, v1));
    const offline = await runAgainst(hub, ["--refresh"], { cwd, env: { HF_HUB_OFFLINE: "1" } });
    expect(offline.code).toBe(2);
    expect(offline.stderr).toContain("--refresh asks the Hub where branches and tags point now, but HF_HUB_OFFLINE is set");
    const verify = await runAgainst(hub, ["--verify-only", "--refresh"], { cwd });
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain("--refresh does not apply to --verify-only");
  });
});
