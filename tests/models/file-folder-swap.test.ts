import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheIndexOf, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runOffline } from "../helpers/run-cli.ts";
import { json, type LocalHub } from "../local-hub/index.ts";

// Upstream turns a file into a folder of the same name between revisions (tok -> tok/vocab.txt), or back.
let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [] });
});
afterAll(() => hub.stop());

const config = (repo: string, revision: string) => `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${repo}\n    revision: ${revision}\n`;
const recorded = (cwd: string) => cacheIndexOf(cwd).models.m;

async function expectRevision(cwd: string, repo: string, commit: string, paths: string[]): Promise<void> {
  expectSameBytes(hub, repo, paths, join(cwd, "cache", "m"), commit);
  expect(recorded(cwd).commit).toBe(commit);
  expect(recorded(cwd).files.map((file: { path: string }) => file.path).sort()).toEqual([...paths].sort());
  const verify = await runOffline(cwd, ["--verify-only", "--verify", "sha256"]);
  expect(verify.code).toBe(0);
}

describe("a file that becomes a folder of the same name, and back", () => {
  test("tok -> tok/vocab.txt -> tok: each new revision updates cleanly, with no --clean-model", async () => {
    const repo = "acme/swap";
    hub.addRepo({ id: repo, files: { "config.json": json({ v: 1 }), tok: "one file\n" } });
    const asFile = hub.repo(repo)?.resolveRevision("main")?.sha as string;
    const asFolder = hub.pushCommit({ repo, files: { "config.json": json({ v: 2 }), "tok/vocab.txt": "a\nb\n", "tok/merges.txt": "a b\n" }, replace: true });
    const backToFile = hub.pushCommit({ repo, files: { "config.json": json({ v: 3 }), tok: "a file again\n" }, replace: true });

    const cwd = project(config(repo, asFile));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    await expectRevision(cwd, repo, asFile, ["config.json", "tok"]);

    writeFileSync(join(cwd, "models.yaml"), config(repo, asFolder));
    const toFolder = await runAgainst(hub, [], { cwd });
    expect(toFolder.stderr).not.toContain("error");
    expect(toFolder.code).toBe(0);
    await expectRevision(cwd, repo, asFolder, ["config.json", "tok/vocab.txt", "tok/merges.txt"]);

    writeFileSync(join(cwd, "models.yaml"), config(repo, backToFile));
    const toFile = await runAgainst(hub, [], { cwd });
    expect(toFile.stderr).not.toContain("error");
    expect(toFile.code).toBe(0);
    await expectRevision(cwd, repo, backToFile, ["config.json", "tok"]);
  });

  test("a failed download of the new revision leaves the old one complete and verified", async () => {
    const repo = "acme/swap-fails";
    hub.addRepo({ id: repo, files: { tok: "one file\n", "config.json": json({ v: 1 }) } });
    const asFile = hub.repo(repo)?.resolveRevision("main")?.sha as string;
    const asFolder = hub.pushCommit({ repo, files: { "tok/vocab.txt": "a\nb\n", "config.json": json({ v: 1 }) }, replace: true });
    const cwd = project(config(repo, asFile));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);

    writeFileSync(join(cwd, "models.yaml"), config(repo, asFolder));
    hub.inject({ kind: "status", status: 404, path: "tok/vocab.txt", times: "always" });
    const failed = await runAgainst(hub, ["-q"], { cwd });
    hub.clearFaults();
    expect(failed.code).not.toBe(0);
    // The old revision's files are still there and still what the index records.
    writeFileSync(join(cwd, "models.yaml"), config(repo, asFile));
    await expectRevision(cwd, repo, asFile, ["config.json", "tok"]);

    writeFileSync(join(cwd, "models.yaml"), config(repo, asFolder));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    await expectRevision(cwd, repo, asFolder, ["config.json", "tok/vocab.txt"]);
  });
});
