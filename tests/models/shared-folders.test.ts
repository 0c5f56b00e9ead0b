import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { json, type LocalHub } from "../local-hub/index.ts";
import { cacheIndexOf, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runOffline } from "../helpers/run-cli.ts";

// The scenario: model A leaves the folder "shared" for "a2", and a new model B takes "shared" over.
const REPO = "acme/encoder";
const FILES = { "config.json": json({ hidden: 8 }), "tokenizer_config.json": json({ lower: true }) };
const V1 = `cache_dir: cache\nmodels:\n  - id: A\n    repo_id: ${REPO}\n    files: [config.json]\n    local_dir: shared\n`;
const MODEL_B = `  - id: B\n    repo_id: ${REPO}\n    files: [config.json, tokenizer_config.json]\n    local_dir: shared\n`;
const V2 = `${V1.replace("local_dir: shared", "local_dir: a2")}${MODEL_B}`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

async function afterV1(): Promise<string> {
  const cwd = project(V1);
  expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
  writeFileSync(join(cwd, "models.yaml"), V2);
  return cwd;
}

const folder = (cwd: string, name: string) => join(cwd, "cache", name);

async function expectBothComplete(cwd: string): Promise<void> {
  expectSameBytes(hub, REPO, ["config.json"], folder(cwd, "a2"));
  expectSameBytes(hub, REPO, Object.keys(FILES), folder(cwd, "shared"));
  const verify = await runOffline(cwd, ["--verify-only"]);
  expect(verify.stdout).toMatch(/^OK +A \(1 file.*\nOK +B \(2 files/);
  expect(verify.code).toBe(0);
}

describe("a folder that moves from one model to another", () => {
  test("moving A out while B moves in never deletes B's file, whichever runs first (both in one run)", async () => {
    // In one run both models start at once; repeat so both orders of taking the folder's lock are met.
    for (let attempt = 0; attempt < 4; attempt++) {
      const cwd = await afterV1();
      const run = await runAgainst(hub, ["-q"], { cwd });
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`B\t${folder(cwd, "shared")}\n`);
      await expectBothComplete(cwd);
    }
  });

  test("A moving out after B recorded the file leaves it in place and fetches nothing for B again", async () => {
    const cwd = await afterV1();
    expect((await runAgainst(hub, ["-q", "--model", "B"], { cwd })).code).toBe(0);
    hub.resetLog();
    const run = await runAgainst(hub, ["-v", "--model", "A"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`left ${join(folder(cwd, "shared"), "config.json")} in place: another model records it`);
    expect(run.stderr).not.toContain("no longer selected");
    await expectBothComplete(cwd);
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
  });

  test("A moving out first removes its file; B then fetches what it needs", async () => {
    const cwd = await afterV1();
    const moved = await runAgainst(hub, ["--model", "A"], { cwd });
    expect(moved.code).toBe(0);
    expect(moved.stderr).toContain("A: removed 1 file from its previous folder shared");
    expect(moved.stderr).not.toContain("no longer selected");
    expect(existsSync(folder(cwd, "shared"))).toBe(false);
    expect((await runAgainst(hub, ["-q", "--model", "B"], { cwd })).code).toBe(0);
    await expectBothComplete(cwd);
  });
});

describe("--clean after a local_dir change", () => {
  test("--clean-model also removes what the model left in its previous folder and counts those bytes", async () => {
    const cwd = project(V1);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), V1.replace("local_dir: shared", "local_dir: a2"));
    const size = FILES["config.json"].length;
    const dry = await runOffline(cwd, ["--clean-model", "A", "--dry-run"]);
    expect(dry.stdout).toContain(`would remove ${join(folder(cwd, "shared"), "config.json")}`);
    expect(dry.stdout).toContain(`would free ${size} B`);
    expect(existsSync(join(folder(cwd, "shared"), "config.json"))).toBe(true);
    const clean = await runOffline(cwd, ["--clean-model", "A"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain(`A: removed ${size} B`);
    expect(clean.stdout).toContain(`freed ${size} B`);
    expect(existsSync(folder(cwd, "shared"))).toBe(false);
    expect(cacheIndexOf(cwd).models).toEqual({});
  });

  test("--clean of the model that moved keeps the file another model now records in that folder", async () => {
    const cwd = await afterV1();
    expect((await runAgainst(hub, ["-q", "--model", "B"], { cwd })).code).toBe(0);
    const clean = await runOffline(cwd, ["--clean-model", "A"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain("A: removed 0 B");
    expectSameBytes(hub, REPO, Object.keys(FILES), folder(cwd, "shared"));
    expect(Object.keys(cacheIndexOf(cwd).models)).toEqual(["B"]);
    expect((await runOffline(cwd, ["--verify-only", "--model", "B"])).code).toBe(0);
  });
});
