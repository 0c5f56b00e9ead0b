import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { downloadedProject, expectSameBytes, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runOffline } from "../helpers/run-cli.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

// A model file's path holding something other than a regular file is a damaged file: reported, then repaired.
const REPO = "acme/odd-files";
const FILES = { "config.json": json({ layers: 2 }), "model.safetensors": generated(1_500_000), "sub/vocab.txt": "a\nb\n" };
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n  - id: other\n    repo_id: ${REPO}\n    files: [config.json]\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

const file = (cwd: string, path: string) => join(cwd, "cache", "m", path);

async function mkfifo(path: string): Promise<void> {
  const proc = Bun.spawn(["mkfifo", path]);
  expect(await proc.exited).toBe(0);
}

/** --verify-only reports the file as FAILED (exit 3), goes on with the other model, and --json says the same. */
async function expectReported(cwd: string, path: string, found: string): Promise<void> {
  const report = await runOffline(cwd, ["--verify-only"]);
  expect(report.code).toBe(3);
  expect(report.stdout).toContain("FAILED      m");
  expect(report.stdout).toContain(`  ${path}: not a regular file (${found})`);
  expect(report.stdout).toMatch(/\nOK +other /);
  const asJson = await runOffline(cwd, ["--verify-only", "--json"]);
  expect(asJson.code).toBe(3);
  const models = JSON.parse(asJson.stdout).models;
  expect(models.map((model: { id: string; ok: boolean }) => [model.id, model.ok])).toEqual([
    ["m", false],
    ["other", true],
  ]);
  expect(models[0].status).toBe("failed");
  expect(models[0].failures).toEqual([{ path, reason: "not-a-file", actual: found }]);
}

/** A normal run fetches the file again as a regular file and nothing else. */
async function expectRepaired(cwd: string, path: string): Promise<string> {
  const run = await runAgainst(hub, [], { cwd });
  expect(run.code).toBe(0);
  expect(hub.requests.filter((request) => request.route === "resolve").map((request) => request.path)).toEqual([path]);
  expect(lstatSync(file(cwd, path)).isFile()).toBe(true);
  expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
  expect((await runOffline(cwd, ["--verify-only"])).code).toBe(0);
  return run.stderr;
}

describe("a model file replaced by something else", () => {
  test("a symlink out of the cache (same bytes, same mtime) is damage; the run removes the link and never touches its target", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const outside = join(tempDir("mm-outside"), "model.safetensors");
    const path = file(cwd, "model.safetensors");
    copyFileSync(path, outside);
    const { mtime } = statSync(path);
    utimesSync(outside, mtime, mtime);
    rmSync(path);
    symlinkSync(outside, path);
    await expectReported(cwd, "model.safetensors", `a symlink to ${outside}`);

    const stderr = await expectRepaired(cwd, "model.safetensors");
    expect(stderr).toContain("m: removed the symlink at model.safetensors (not its target) to fetch the file again");
    expectSameBytes(hub, REPO, ["model.safetensors"], join(outside, ".."));
    expect(readdirSync(join(outside, ".."))).toEqual(["model.safetensors"]);
  });

  test("a symlink to another file of the model is damage too", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    rmSync(file(cwd, "config.json"));
    symlinkSync("sub/vocab.txt", file(cwd, "config.json"));
    await expectReported(cwd, "config.json", "a symlink to sub/vocab.txt");
    await expectRepaired(cwd, "config.json");
    expect(readFileSync(file(cwd, "sub/vocab.txt"), "utf8")).toBe("a\nb\n");
  });

  test("a folder on the way that links out of the cache is reported; a run refuses to write through it and leaves the outside alone", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const outside = tempDir("mm-outside");
    writeFileSync(join(outside, "vocab.txt"), "a\nb\n");
    rmSync(file(cwd, "sub"), { recursive: true });
    symlinkSync(outside, file(cwd, "sub"));
    const report = await runOffline(cwd, ["--verify-only"]);
    expect(report.code).toBe(3);
    expect(report.stdout).toContain("  sub/vocab.txt: not a regular file (");
    expect(report.stdout).toMatch(/\nOK +other /);
    // A link out of the model folder is never written through.
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("outside");
    expect(readdirSync(outside)).toEqual(["vocab.txt"]);
  });

  test("a fifo is reported without blocking on a read, and replaced by the file", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    rmSync(file(cwd, "sub/vocab.txt"));
    await mkfifo(file(cwd, "sub/vocab.txt"));
    await expectReported(cwd, "sub/vocab.txt", "a fifo");
    const stderr = await expectRepaired(cwd, "sub/vocab.txt");
    expect(stderr).toContain("m: removed the special file at sub/vocab.txt to fetch the file again");
  });

  test("a folder at a file's path is reported, moved to quarantine (not deleted) and replaced by the file", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    rmSync(file(cwd, "config.json"));
    mkdirSync(file(cwd, "config.json"));
    writeFileSync(join(file(cwd, "config.json"), "keep-me.txt"), "mine\n");
    await expectReported(cwd, "config.json", "a folder");
    await expectRepaired(cwd, "config.json");
    const quarantined = readdirSync(join(cwd, "cache", ".model-manager", "quarantine", "m"));
    expect(quarantined).toHaveLength(1);
    expect(readFileSync(join(cwd, "cache", ".model-manager", "quarantine", "m", quarantined[0] as string, "keep-me.txt"), "utf8")).toBe("mine\n");
  });
});
