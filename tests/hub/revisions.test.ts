import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { LocalHub } from "../local-hub/index.ts";
import { DATASET, EDGE, MANY, TINY, testRepos } from "../local-hub/test-fixtures.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: testRepos(), treePageSize: 7 });
});
afterAll(() => hub.stop());

function config(model: string): string {
  return `cache_dir: cache\nverify: sha256\nmodels:\n${model}`;
}

function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(dir, join(prefix, entry.name)) : [join(prefix, entry.name)],
  );
}

describe("revisions", () => {
  const cases = [
    { name: "a branch", revision: "dev", expectPrOnly: false, hidden: 32 },
    { name: "a tag", revision: "v1", expectPrOnly: false, hidden: 32 },
    { name: "refs/pr/1", revision: "refs/pr/1", expectPrOnly: true, hidden: 32 },
    { name: "main", revision: "main", expectPrOnly: false, hidden: 64 },
  ];
  for (const { name, revision, expectPrOnly, hidden } of cases) {
    test(`${name} (${revision}) is resolved to its commit and every file comes from that commit`, async () => {
      const cwd = project(config(`  - id: tiny\n    repo_id: ${TINY}\n    revision: ${revision}\n`));
      hub.resetLog();
      const run = await runAgainst(hub, ["-q"], { cwd });
      expect(run.code).toBe(0);
      const modelDir = join(cwd, "cache", "tiny");
      const commit = hub.repo(TINY)?.resolveRevision(revision)?.sha;
      expect(JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8")).hidden_size).toBe(hidden);
      expect(filesUnder(modelDir).includes("pr-only.txt")).toBe(expectPrOnly);
      expectSameBytes(hub, TINY, filesUnder(modelDir), modelDir, revision);
      const revisionRequest = hub.requests.find((request) => request.route === "api-revision");
      expect(revisionRequest?.target).toContain(`/revision/${encodeURIComponent(revision)}`);
      for (const request of hub.requests.filter((r) => r.route === "resolve")) expect(request.revision).toBe(commit);
    });
  }

  test("a full commit is used as is, without a revision lookup", async () => {
    const commit = hub.repo(TINY)?.resolveRevision("v1")?.sha as string;
    const cwd = project(config(`  - id: tiny\n    repo_id: ${TINY}\n    revision: ${commit}\n`));
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(hub.requests.filter((request) => request.route === "api-revision")).toHaveLength(0);
    expect(JSON.parse(readFileSync(join(cwd, "cache", "tiny", "config.json"), "utf8")).hidden_size).toBe(32);
  });

  test("a renamed repository is followed to its new name", async () => {
    const cwd = project(config(`  - id: legacy\n    repo_id: oldorg/tiny-model\n`));
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expectSameBytes(hub, TINY, ["config.json", "model.safetensors", "sub/dir/notes.txt"], join(cwd, "cache", "legacy"));
  });
});

describe("listing", () => {
  test("follows Link pagination to the last page (120 files, 7 entries a page)", async () => {
    const cwd = project(config(`  - id: many\n    repo_id: ${MANY}\n`));
    hub.resetLog();
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(filesUnder(join(cwd, "cache", "many"))).toHaveLength(120);
    expect(hub.requests.filter((request) => request.route === "api-tree").length).toBeGreaterThan(17);
  });

  test("empty files, spaces, '#' and non-ASCII names arrive intact", async () => {
    const cwd = project(config(`  - id: edge\n    repo_id: ${EDGE}\n`));
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    const modelDir = join(cwd, "cache", "edge");
    expectSameBytes(hub, EDGE, ["name with space#1.txt", "données/é.txt", "empty.txt", "empty.bin"], modelDir);
    expect(statSync(join(modelDir, "empty.bin")).size).toBe(0);
  });

  test("datasets are fetched through the datasets/ routes", async () => {
    const cwd = project(config(`  - id: data\n    repo_id: ${DATASET}\n    repo_type: dataset\n    exclude: []\n`));
    hub.resetLog();
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(hub.requests.find((request) => request.route === "api-revision")?.target).toStartWith("/api/datasets/");
    expect(readFileSync(join(cwd, "cache", "data", "README.md"), "utf8")).toContain("license: mit");
  });
});
