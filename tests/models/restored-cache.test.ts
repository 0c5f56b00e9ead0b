import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { cacheIndexOf, downloadedProject, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

// actions/cache, docker cp and image layers carry a cache as a tar archive, which keeps whole-second mtimes.
const REPO = "acme/restored";
const FILES = { "config.json": json({ layers: 2 }), "model.safetensors": generated(3_000_000), "tokenizer.json": json({ vocab: ["a"] }) };
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

async function run(command: string[], cwd?: string): Promise<void> {
  const proc = Bun.spawn(command, { cwd, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}: ${stderr}`);
}

/** The cache folder archived, removed and extracted again, as actions/cache does between CI runs. */
async function tarRoundTrip(cwd: string): Promise<void> {
  const archive = join(tempDir("mm-tar"), "cache.tar");
  await run(["tar", "-cf", archive, "cache"], cwd);
  rmSync(join(cwd, "cache"), { recursive: true });
  await run(["tar", "-xf", archive], cwd);
}

function recordedMtimes(cwd: string): number[] {
  return cacheIndexOf(cwd).models.m.files.map((file: { mtimeMs: number }) => file.mtimeMs);
}

const modelFile = (cwd: string, path: string) => join(cwd, "cache", "m", path);

/** A warm run: no request, no file re-checked. */
async function expectWarm(cwd: string): Promise<void> {
  const again = await runAgainst(hub, [], { cwd });
  expect(again.code).toBe(0);
  expect(again.stderr).not.toContain("checking");
  expect(hub.requests).toHaveLength(0);
}

describe("a cache saved and restored elsewhere stays warm", () => {
  test("after a tar -c / tar -x round trip (whole-second mtimes): no request and nothing re-hashed", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    await tarRoundTrip(cwd);
    // The premise: the archive dropped the sub-second part the index recorded.
    expect(Object.keys(FILES).every((path) => statSync(modelFile(cwd, path)).mtimeMs % 1000 === 0)).toBe(true);
    expect(recordedMtimes(cwd).some((mtime) => mtime % 1000 !== 0)).toBe(true);
    await expectWarm(cwd);
    const list = await runAgainst(hub, ["--list", "--json"], { cwd });
    expect(JSON.parse(list.stdout).models[0].status).toBe("cached");
  });

  test("after cp -a to another folder: no request and nothing re-hashed", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    const copy = join(tempDir("mm-copy"), "project");
    await run(["cp", "-a", cwd, copy]);
    await expectWarm(copy);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(copy, "cache", "m"));
  });

  test("a file edited after the restore is still found and repaired", async () => {
    const cwd = await downloadedProject(hub, CONFIG);
    await tarRoundTrip(cwd);
    const path = modelFile(cwd, "config.json");
    writeFileSync(path, readFileSync(path, "utf8").replace("2", "3"));
    const repair = await runAgainst(hub, [], { cwd });
    expect(repair.code).toBe(0);
    expect(repair.stderr).toContain("m: checking 1 file at level sha256");
    expect(hub.requests.filter((request) => request.route === "resolve").map((request) => request.path)).toEqual(["config.json"]);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
  });
});
