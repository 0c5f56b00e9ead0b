/**
 * Two configuration files sharing one cache and naming the same model id at different revisions,
 * through the compiled binary: each keeps its own index entry, so alternating runs ask the Hub
 * nothing, work offline, and --clean of one leaves what the other uses. Both layouts; an index
 * written with one entry per id is read as it is.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { tempDir } from "../helpers/binary.ts";
import { pythonSkipReason, runPython } from "../helpers/python-venv.ts";
import { entriesOf, recordEntry } from "../../src/cache/index-entries.ts";
import { readIndex, updateIndex } from "../../src/cache/index-file.ts";
import { sampleEntry } from "./fixtures/sample-entry.ts";

const REPO = "acme/shared";
const V1 = { "config.json": json({ layers: 2 }), "model.safetensors": generated(1_500_000, "shared-weights"), "notes.txt": "notes\n" };
const MAIN = { ...V1, "config.json": json({ layers: 3 }) };
const FILES = Object.keys(V1);
/** The cache index model-manager keeps in a hub cache (layout hf). */
const hfIndexFile = (hubCache: string) => join(hubCache, ".locks", "model-manager", "model-manager.lock.json");

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, commits: [{ files: V1 }, { files: MAIN }], tags: { v1: 0 } }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

const commitOf = (revision?: string) => hub.file(REPO, "config.json", { revision })!.commit;
const modelYaml = (extra = "") => `models:\n  - id: m\n    repo_id: ${REPO}\n${extra}`;

type Setup = { readonly main: string; readonly v1: string; readonly env: Record<string, string> };

/** Two projects naming model m, one at main and one at v1, sharing one cache (`header` chooses the layout and cache). */
function twoConfigurations(header: string, mainExtra = "", v1Extra = ""): Omit<Setup, "env"> {
  return { main: project(`${header}${modelYaml(mainExtra)}`), v1: project(`${header}${modelYaml(`    revision: v1\n${v1Extra}`)}`) };
}

const run = (setup: Setup, cwd: string, args: readonly string[] = ["-q"], env: Record<string, string> = {}) => runAgainst(hub, args, { cwd, env: { ...setup.env, ...env } });
const listed = async (setup: Setup, cwd: string) => JSON.parse((await run(setup, cwd, ["--list", "--json"])).stdout).models.map((model: { status: string; commit: string }) => [model.status, model.commit]);

/** Both projects run (downloading), then alternate four times: nothing asked of the Hub, and offline too. */
async function expectAlternatingRunsAskNothing(setup: Setup): Promise<void> {
  expect((await run(setup, setup.main)).code).toBe(0);
  expect((await run(setup, setup.v1)).code).toBe(0);
  hub.resetLog();
  for (const cwd of [setup.main, setup.v1, setup.main, setup.v1]) {
    const again = await run(setup, cwd);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
  }
  expect(hub.requests).toHaveLength(0);
  for (const cwd of [setup.v1, setup.main]) {
    const offline = await run(setup, cwd, ["-q"], { HF_HUB_OFFLINE: "1" });
    expect(offline.stderr).toBe("");
    expect(offline.code).toBe(0);
  }
  expect(await listed(setup, setup.main)).toEqual([["cached", commitOf()]]);
  expect(await listed(setup, setup.v1)).toEqual([["cached", commitOf("v1")]]);
}

describe("layout: hf, one hub cache, model m at main in one configuration file and at v1 in another", () => {
  const hfSetup = (): Setup => {
    const hubCache = join(tempDir("mm-two-configs"), "hub");
    return { ...twoConfigurations("layout: hf\nverify: sha256\n"), env: { HF_HUB_CACHE: hubCache } };
  };
  const repoDir = (setup: Setup) => join(setup.env.HF_HUB_CACHE as string, "models--acme--shared");
  const snapshots = (setup: Setup) => readdirSync(join(repoDir(setup), "snapshots")).sort();

  test("alternating runs ask the Hub nothing, work offline, both are listed cached, and Python loads both offline", async () => {
    const setup = hfSetup();
    await expectAlternatingRunsAskNothing(setup);
    expect(snapshots(setup)).toEqual([commitOf(), commitOf("v1")].sort());
    expectSameBytes(hub, REPO, FILES, join(repoDir(setup), "snapshots", commitOf()));
    expectSameBytes(hub, REPO, FILES, join(repoDir(setup), "snapshots", commitOf("v1")), "v1");
    if (pythonSkipReason()) return;
    const loaded = await runPython(
      `import json; from huggingface_hub import snapshot_download\nprint(json.dumps([snapshot_download("${REPO}", revision=r, local_files_only=True) for r in ("main", "v1")]))`,
      { HOME: tempDir("mm-pyhome"), HF_HUB_CACHE: setup.env.HF_HUB_CACHE as string, HF_HUB_OFFLINE: "1" },
    );
    expect(loaded.value).toEqual([join(repoDir(setup), "snapshots", commitOf()), join(repoDir(setup), "snapshots", commitOf("v1"))]);
  }, 120_000);

  test("--clean-model in one configuration removes its snapshot and ref, not the blob the other shares; the other still runs offline", async () => {
    const setup = hfSetup();
    expect((await run(setup, setup.main)).code).toBe(0);
    expect((await run(setup, setup.v1)).code).toBe(0);
    const cleaned = await run(setup, setup.v1, ["--clean-model", "m", "--json"]);
    expect(cleaned.code).toBe(0);
    const report = JSON.parse(cleaned.stdout).models[0];
    expect(report.keptFor).toEqual([join(setup.main, "models.yaml")]);
    expect(report.indexed).toBe(true);
    expect(snapshots(setup)).toEqual([commitOf()]);
    expect(readdirSync(join(repoDir(setup), "refs"))).toEqual(["main"]);
    // config.json of v1 had its own blob; the weights and notes are shared with main.
    expect(readdirSync(join(repoDir(setup), "blobs"))).toHaveLength(3);
    const offline = await run(setup, setup.main, ["-q"], { HF_HUB_OFFLINE: "1" });
    expect(offline.code).toBe(0);
    expectSameBytes(hub, REPO, FILES, join(repoDir(setup), "snapshots", commitOf()));
    expect(await listed(setup, setup.v1)).toEqual([["missing", null]]);
    // The main configuration's --clean then takes the rest.
    const rest = await run(setup, setup.main, ["--clean", "--json"]);
    expect(JSON.parse(rest.stdout).models[0].keptFor).toEqual([]);
    expect(existsSync(repoDir(setup))).toBe(false);
  }, 60_000);

  test("an index from before (one entry per id, v1's) is read as it is: main's next run lists the Hub once, downloads nothing, and keeps v1's entry", async () => {
    const setup = hfSetup();
    expect((await run(setup, setup.main)).code).toBe(0);
    expect((await run(setup, setup.v1)).code).toBe(0);
    // What the previous release left: one entry for m, the one v1's run recorded last.
    const indexFile = hfIndexFile(setup.env.HF_HUB_CACHE as string);
    const index = JSON.parse(readFileSync(indexFile, "utf8"));
    expect(index.models.m.revision).toBe("v1");
    expect(index.alsoConfigured.m.map((entry: { revision: string }) => entry.revision)).toEqual(["main"]);
    delete index.alsoConfigured;
    writeFileSync(indexFile, JSON.stringify(index, null, 2));
    hub.resetLog();
    const first = await run(setup, setup.main);
    expect(first.code).toBe(0);
    expect(hub.requests.filter((request) => request.route === "resolve" || request.listener === "cdn")).toHaveLength(0);
    hub.resetLog();
    for (const cwd of [setup.v1, setup.main]) expect((await run(setup, cwd, ["-q"], { HF_HUB_OFFLINE: "1" })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    expect(snapshots(setup)).toEqual([commitOf(), commitOf("v1")].sort());
  }, 60_000);
});

describe("layout plain, one cache_dir, model m at main in one configuration file and at v1 in another", () => {
  test("with a local_dir each: alternating runs ask the Hub nothing and work offline; --clean-model in one leaves the other's folder", async () => {
    const cacheDir = tempDir("mm-two-plain");
    const setup: Setup = { ...twoConfigurations(`cache_dir: ${cacheDir}\nverify: sha256\n`, "    local_dir: m-main\n", "    local_dir: m-v1\n"), env: {} };
    await expectAlternatingRunsAskNothing(setup);
    expectSameBytes(hub, REPO, FILES, join(cacheDir, "m-main"));
    expectSameBytes(hub, REPO, FILES, join(cacheDir, "m-v1"), "v1");
    const cleaned = await run(setup, setup.main, ["--clean-model", "m", "--json"]);
    expect(JSON.parse(cleaned.stdout).models[0].keptFor).toEqual([join(setup.v1, "models.yaml")]);
    expect(existsSync(join(cacheDir, "m-main"))).toBe(false);
    hub.resetLog();
    expect((await run(setup, setup.v1, ["-q"], { HF_HUB_OFFLINE: "1" })).code).toBe(0);
    expectSameBytes(hub, REPO, FILES, join(cacheDir, "m-v1"), "v1");
  }, 60_000);

  test("in one folder: each run puts its own revision there (the folder holds one), and --clean-model in one leaves the files the other recorded", async () => {
    const cacheDir = tempDir("mm-one-plain");
    const setup: Setup = { ...twoConfigurations(`cache_dir: ${cacheDir}\nverify: sha256\n`), env: {} };
    for (const [cwd, revision] of [
      [setup.main, undefined],
      [setup.v1, "v1"],
      [setup.main, undefined],
    ] as const) {
      const result = await run(setup, cwd);
      expect(result.code).toBe(0);
      expectSameBytes(hub, REPO, FILES, join(cacheDir, "m"), revision);
    }
    const cleaned = await run(setup, setup.v1, ["--clean-model", "m", "--json"]);
    expect(JSON.parse(cleaned.stdout).models[0].keptFor).toEqual([join(setup.main, "models.yaml")]);
    expectSameBytes(hub, REPO, FILES, join(cacheDir, "m"));
    hub.resetLog();
    expect((await run(setup, setup.main, ["-q"], { HF_HUB_OFFLINE: "1" })).code).toBe(0);
  }, 60_000);
});

describe("the index file, where entries of one id come from two configuration files", () => {
  test("an index copied to another folder reads with no configuration claiming its entries; written there, it notes the new folder", async () => {
    const here = tempDir("mm-index-here");
    const configs = [join(here, "a.yaml"), join(here, "b.yaml")];
    for (const config of configs) writeFileSync(config, "models: []\n");
    await updateIndex(here, (index) => {
      recordEntry(index, "m", { ...sampleEntry("m"), revision: "main", configuredBy: configs[0] });
      recordEntry(index, "m", { ...sampleEntry("m"), revision: "v1", configuredBy: configs[1] });
    });
    const text = readFileSync(join(here, "model-manager.lock.json"), "utf8");
    expect(JSON.parse(text).writtenIn).toBe(here);
    expect(entriesOf(await readIndex(here), "m").map((entry) => [entry.revision, entry.configuredBy])).toEqual([
      ["v1", configs[1]],
      ["main", configs[0]],
    ]);
    const there = tempDir("mm-index-there");
    writeFileSync(join(there, "model-manager.lock.json"), text);
    expect(entriesOf(await readIndex(there), "m").map((entry) => [entry.revision, entry.configuredBy])).toEqual([
      ["v1", undefined],
      ["main", undefined],
    ]);
    await updateIndex(there, () => {});
    expect(JSON.parse(readFileSync(join(there, "model-manager.lock.json"), "utf8")).writtenIn).toBe(there);
  });
});

describe("layout: hf, model m at main in two configuration files", () => {
  test("the second is served by the first's entry and records its own: the first moving m to v1 leaves main's snapshot, which the second loads offline", async () => {
    const hubCache = join(tempDir("mm-same-revision"), "hub");
    // Both name m at main; the project called v1 moves it to v1 later.
    const setup: Setup = { main: project(`layout: hf\n${modelYaml()}`), v1: project(`layout: hf\n${modelYaml()}`), env: { HF_HUB_CACHE: hubCache } };
    expect((await run(setup, setup.v1)).code).toBe(0);
    hub.resetLog();
    expect((await run(setup, setup.main)).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    writeFileSync(join(setup.v1, "models.yaml"), `layout: hf\n${modelYaml("    revision: v1\n")}`);
    expect((await run(setup, setup.v1)).code).toBe(0);
    const offline = await run(setup, setup.main, ["-q"], { HF_HUB_OFFLINE: "1" });
    expect(offline.stderr).toBe("");
    expect(offline.code).toBe(0);
    expectSameBytes(hub, REPO, FILES, join(hubCache, "models--acme--shared", "snapshots", commitOf()));
    expect(await listed(setup, setup.v1)).toEqual([["cached", commitOf("v1")]]);
  }, 60_000);
});

describe("--verify-only with model m at main in one configuration file and at v1 in another (layout: hf)", () => {
  test("each configuration checks its own revision and the check is recorded in its own entry", async () => {
    const hubCache = join(tempDir("mm-verify-two"), "hub");
    const setup: Setup = { ...twoConfigurations("layout: hf\nverify: size\n"), env: { HF_HUB_CACHE: hubCache } };
    expect((await run(setup, setup.main)).code).toBe(0);
    expect((await run(setup, setup.v1)).code).toBe(0);
    hub.resetLog();
    for (const [cwd, revision] of [
      [setup.main, undefined],
      [setup.v1, "v1"],
    ] as const) {
      const checked = await run(setup, cwd, ["--verify-only", "--verify", "sha256", "--json"]);
      expect(checked.code).toBe(0);
      expect(JSON.parse(checked.stdout).models.map((model: { ok: boolean; commit: string }) => [model.ok, model.commit])).toEqual([[true, commitOf(revision)]]);
    }
    expect(hub.requests).toHaveLength(0);
    const index = JSON.parse(readFileSync(hfIndexFile(hubCache), "utf8"));
    expect([index.models.m, ...index.alsoConfigured.m].map((entry: { revision: string; verify: string }) => [entry.revision, entry.verify]).sort()).toEqual([
      ["main", "sha256"],
      ["v1", "sha256"],
    ]);
  }, 60_000);
});
