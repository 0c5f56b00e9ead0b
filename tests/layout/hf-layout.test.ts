/** layout: hf through the compiled binary: the standard Hugging Face cache, shared blobs, refs, clean. */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, sha256OfFile, startHub } from "../helpers/hub-scenario.ts";
import { tempDir } from "../helpers/binary.ts";
import { runOffline } from "../helpers/run-cli.ts";
import * as api from "../../src/index.ts";
import { readHubSettings } from "../../src/hub/settings.ts";

const REPO = "acme/tiny";
const BIG = generated(3_000_000, "weights-v1");
const V1 = { "config.json": json({ layers: 2 }), "model.safetensors": BIG, "sub/deep/notes.txt": "notes\n" };
const V2 = { ...V1, "config.json": json({ layers: 3 }) };
const EMPTY_TWICE = { "config.json": json({ a: 1 }), "a/__init__.py": "", "b/__init__.py": "" };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: REPO, commits: [{ files: V1 }, { files: V2 }], tags: { v1: 0 }, pullRequests: { 1: 0 } },
      { id: "acme/empties", files: EMPTY_TWICE },
      { id: "acme/other", files: { "config.json": json({ other: true }) } },
      { id: "acme/moving", files: { "config.json": json({ step: 1 }), "model.safetensors": generated(1_500_000, "moving") } },
    ],
  });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

const hfConfig = (models: string, top = "cache_dir: hub\n") => `${top}layout: hf\nverify: sha256\nmodels:\n${models}`;
const model = (id: string, repo: string, revision?: string) => `  - id: ${id}\n    repo_id: ${repo}\n${revision ? `    revision: ${revision}\n` : ""}`;
const fileDownloads = () => hub.requests.filter((request) => request.route === "resolve").map((request) => request.path).sort();
const repoDir = (cwd: string, repo = REPO) => join(cwd, "hub", `models--${repo.replace("/", "--")}`);
const commitOf = (revision?: string) => hub.file(REPO, "config.json", { revision })?.commit as string;
const blobFiles = (cwd: string) => (existsSync(join(repoDir(cwd), "blobs")) ? readdirSync(join(repoDir(cwd), "blobs")) : []);

async function fill(config: string, args: string[] = ["-q"]): Promise<string> {
  const cwd = project(config);
  const run = await runAgainst(hub, args, { cwd });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return cwd;
}

describe("layout: hf writes the standard Hugging Face cache", () => {
  test("blobs named by sha256 (LFS) and git blob sha1, relative snapshot links of the right depth, refs/main without newline", async () => {
    const cwd = await fill(hfConfig(model("tiny", REPO)));
    const repo = repoDir(cwd);
    const commit = commitOf();
    expect(readFileSync(join(repo, "refs", "main"), "utf8")).toBe(commit);
    const snapshot = join(repo, "snapshots", commit);
    for (const path of Object.keys(V2)) {
      const served = hub.file(REPO, path)!;
      const blob = served.lfs ? served.sha256 : served.oid;
      const link = join(snapshot, path);
      expect(lstatSync(link).isSymbolicLink()).toBe(true);
      expect(readlinkSync(link)).toBe(`${"../".repeat(path.split("/").length + 1)}blobs/${blob}`);
      expect(sha256OfFile(link)).toBe(served.sha256);
      expect(lstatSync(join(repo, "blobs", blob)).isFile()).toBe(true);
    }
    expect(hub.file(REPO, "model.safetensors")!.lfs).toBe(true);
    expect(readdirSync(join(cwd, "hub")).sort()).toEqual([".locks", "models--acme--tiny"]);
    expect(readdirSync(repo).sort()).toEqual(["blobs", "refs", "snapshots"]);
    expect(existsSync(join(cwd, "models"))).toBe(false);

    const list = await runOffline(cwd, ["--list", "--json"]);
    const row = JSON.parse(list.stdout).models[0];
    expect(row.status).toBe("cached");
    expect(row.path).toBe(snapshot);
    expect(row.bytes).toBe(Object.keys(V2).reduce((sum, path) => sum + hub.file(REPO, path)!.size, 0));

    hub.resetLog();
    const again = await runAgainst(hub, ["-q"], { cwd });
    expect(again.code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    expect((await runOffline(cwd, ["--verify-only"])).code).toBe(0);
  });

  test("a second revision downloads only what changed and shares the rest; refs for a tag and a pull request", async () => {
    const cwd = await fill(hfConfig(model("new", REPO)));
    writeFileSync(join(cwd, "models.yaml"), hfConfig(model("new", REPO) + model("old", REPO, "v1")));
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(fileDownloads()).toEqual(["config.json"]);
    writeFileSync(join(cwd, "models.yaml"), hfConfig(model("new", REPO) + model("old", REPO, "v1") + model("pr", REPO, "refs/pr/1")));
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(fileDownloads()).toEqual([]);
    const repo = repoDir(cwd);
    expect(readFileSync(join(repo, "refs", "v1"), "utf8")).toBe(commitOf("v1"));
    expect(readFileSync(join(repo, "refs", "refs", "pr", "1"), "utf8")).toBe(commitOf("v1"));
    expect(readdirSync(join(repo, "snapshots")).sort()).toEqual([commitOf(), commitOf("v1")].sort());
    expect(readdirSync(join(repo, "blobs"))).toHaveLength(4);
  });

  test("a commit as revision writes no ref", async () => {
    const commit = commitOf("v1");
    const cwd = await fill(hfConfig(model("pinned", REPO, commit)));
    expect(existsSync(join(repoDir(cwd), "refs"))).toBe(false);
    expect(readlinkSync(join(repoDir(cwd), "snapshots", commit, "config.json"))).toStartWith("../../blobs/");
  });

  test("files with the same content share one blob, fetched once", async () => {
    const cwd = await fill(hfConfig(model("e", "acme/empties")));
    const repo = repoDir(cwd, "acme/empties");
    expect(readdirSync(join(repo, "blobs"))).toHaveLength(2);
    const snapshot = join(repo, "snapshots", hub.file("acme/empties", "config.json")!.commit);
    expect(readlinkSync(join(snapshot, "a", "__init__.py"))).toBe(readlinkSync(join(snapshot, "b", "__init__.py")));
    expect(fileDownloads().filter((path) => path?.endsWith("__init__.py")).length).toBeLessThanOrEqual(1);
  });

  test("blobs already in the cache (another tool, a removed snapshot) are verified and linked, not downloaded", async () => {
    const cwd = await fill(hfConfig(model("tiny", REPO)));
    const repo = repoDir(cwd);
    rmSync(join(repo, "snapshots"), { recursive: true });
    rmSync(join(repo, "refs"), { recursive: true });
    rmSync(join(cwd, "hub", ".locks"), { recursive: true });
    hub.resetLog();
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(fileDownloads()).toEqual([]);
    expect(sha256OfFile(join(repo, "snapshots", commitOf(), "model.safetensors"))).toBe(hub.file(REPO, "model.safetensors")!.sha256);
  });

  test("a damaged blob is found by --verify-only and replaced by the next run; a removed link is restored without a download", async () => {
    const cwd = await fill(hfConfig(model("tiny", REPO)));
    const blob = join(repoDir(cwd), "blobs", hub.file(REPO, "model.safetensors")!.sha256);
    const bytes = readFileSync(blob);
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    writeFileSync(blob, bytes);
    const report = await runOffline(cwd, ["--verify-only"]);
    expect(report.code).toBe(3);
    expect(report.stdout).toContain("model.safetensors: wrong sha256");
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(fileDownloads()).toEqual(["model.safetensors"]);
    expect(sha256OfFile(blob)).toBe(hub.file(REPO, "model.safetensors")!.sha256);

    rmSync(join(repoDir(cwd), "snapshots", commitOf(), "sub"), { recursive: true });
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    expect(readFileSync(join(repoDir(cwd), "snapshots", commitOf(), "sub", "deep", "notes.txt"), "utf8")).toBe("notes\n");
  });

  test("--verify-only checks what Python opens: a snapshot entry replaced by a file, a foreign or dangling link is exit 3; the next run relinks it", async () => {
    const cwd = await fill(hfConfig(model("tiny", REPO)));
    const snapshot = join(repoDir(cwd), "snapshots", commitOf());
    writeFileSync(join(cwd, "outside.txt"), "notes\n");
    rmSync(join(snapshot, "config.json"));
    writeFileSync(join(snapshot, "config.json"), '{"edited": true}');
    rmSync(join(snapshot, "sub", "deep", "notes.txt"));
    symlinkSync(join(cwd, "outside.txt"), join(snapshot, "sub", "deep", "notes.txt"));
    rmSync(join(snapshot, "model.safetensors"));
    symlinkSync("../../blobs/0000", join(snapshot, "model.safetensors"));
    const report = await runOffline(cwd, ["--verify-only"]);
    expect(report.code).toBe(3);
    expect(report.stdout).toContain("FAILED      tiny");
    expect(report.stdout).toContain(`config.json: wrong size (expected ${hub.file(REPO, "config.json")!.size} bytes, found 16)`);
    expect(report.stdout).toContain(`sub/deep/notes.txt: not a regular file (a symlink to ${join(cwd, "outside.txt")})`);
    expect(report.stdout).toContain("model.safetensors: not a regular file (a symlink to ../../blobs/0000)");
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    for (const path of Object.keys(V2)) expect(lstatSync(join(snapshot, path)).isSymbolicLink()).toBe(true);
    expect(sha256OfFile(join(snapshot, "config.json"))).toBe(hub.file(REPO, "config.json")!.sha256);
    expect((await runOffline(cwd, ["--verify-only", "--verify", "sha256"])).code).toBe(0);
  });

  test("with HF_HUB_DISABLE_SYMLINKS=1, as huggingface_hub, files are downloaded into the snapshot and no blob is kept; --verify-only hashes them; a damaged one is fetched again", async () => {
    const copies = { HF_HUB_DISABLE_SYMLINKS: "1" };
    const cwd = project(hfConfig(model("tiny", REPO)));
    expect((await runAgainst(hub, ["-q"], { cwd, env: copies })).code).toBe(0);
    const snapshot = join(repoDir(cwd), "snapshots", commitOf());
    for (const path of Object.keys(V2)) expect(sha256OfFile(join(snapshot, path))).toBe(hub.file(REPO, path)!.sha256);
    expect(blobFiles(cwd)).toEqual([]);
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd, env: copies })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    // Without the switch the copies are still what Python reads: listed as cached, nothing fetched.
    expect((await runOffline(cwd, ["--list"])).stdout).toMatch(/^tiny .* cached /m);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    const copy = join(snapshot, "model.safetensors");
    expect(lstatSync(copy).isFile()).toBe(true);
    const bytes = readFileSync(copy);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(copy, bytes);
    const report = await runOffline(cwd, ["--verify-only", "--verify", "sha256"], copies);
    expect(report.code).toBe(3);
    expect(report.stdout).toContain("model.safetensors: wrong sha256");
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd, env: copies })).code).toBe(0);
    expect(fileDownloads()).toEqual(["model.safetensors"]);
    expect(sha256OfFile(copy)).toBe(hub.file(REPO, "model.safetensors")!.sha256);
    expect(blobFiles(cwd)).toEqual([]);
    expect((await runOffline(cwd, ["--clean-model", "tiny"])).code).toBe(0);
    expect(existsSync(repoDir(cwd))).toBe(false);
  });

  test("with HF_HUB_DISABLE_SYMLINKS=1, blobs already in the cache are copied into the snapshot, not downloaded, as huggingface_hub does", async () => {
    const cwd = await fill(hfConfig(model("tiny", REPO)));
    rmSync(join(repoDir(cwd), "snapshots"), { recursive: true });
    hub.resetLog();
    const copies = { HF_HUB_DISABLE_SYMLINKS: "1" };
    expect((await runAgainst(hub, ["-q"], { cwd, env: copies })).code).toBe(0);
    expect(fileDownloads()).toEqual([]);
    const snapshot = join(repoDir(cwd), "snapshots", commitOf());
    for (const path of Object.keys(V2)) {
      expect(lstatSync(join(snapshot, path)).isFile()).toBe(true);
      expect(sha256OfFile(join(snapshot, path))).toBe(hub.file(REPO, path)!.sha256);
    }
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd, env: copies })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    expect((await runOffline(cwd, ["--verify-only", "--verify", "sha256"], copies)).code).toBe(0);
  });

  test("a warm run rewrites a ref Python cannot follow (a trailing newline, a commit with no snapshot) without a request; a ref moved to another snapshot stays", async () => {
    const cwd = await fill(hfConfig(model("tiny", REPO) + model("old", REPO, "v1")));
    const ref = join(repoDir(cwd), "refs", "main");
    for (const written of [`${commitOf()}\n`, "1".repeat(40), ""]) {
      writeFileSync(ref, written);
      hub.resetLog();
      const run = await runAgainst(hub, ["-q"], { cwd });
      expect(run.code).toBe(0);
      expect(hub.requests).toHaveLength(0);
      expect(readFileSync(ref, "utf8")).toBe(commitOf());
    }
    rmSync(ref);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(readFileSync(ref, "utf8")).toBe(commitOf());
    writeFileSync(ref, commitOf("v1"));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(readFileSync(ref, "utf8")).toBe(commitOf("v1"));
  });

  test("--clean-model removes the snapshot, its ref and only the blobs no other snapshot links; other repos untouched", async () => {
    const cwd = await fill(hfConfig(model("new", REPO) + model("old", REPO, "v1") + model("other", "acme/other")));
    const repo = repoDir(cwd);
    const otherBefore = readdirSync(repoDir(cwd, "acme/other"), { recursive: true }).sort();
    const clean = await runOffline(cwd, ["--clean-model", "new"]);
    expect(clean.code).toBe(0);
    expect(readdirSync(join(repo, "snapshots"))).toEqual([commitOf("v1")]);
    expect(readdirSync(join(repo, "refs"))).toEqual(["v1"]);
    const blobs = readdirSync(join(repo, "blobs")).sort();
    expect(blobs).toEqual(Object.keys(V1).map((path) => { const f = hub.file(REPO, path, { revision: "v1" })!; return f.lfs ? f.sha256 : f.oid; }).sort());
    expect(readdirSync(repoDir(cwd, "acme/other"), { recursive: true }).sort()).toEqual(otherBefore);
    expect((await runOffline(cwd, ["--verify-only", "--model", "old"])).code).toBe(0);

    expect((await runOffline(cwd, ["--clean-model", "old"])).code).toBe(0);
    expect(existsSync(repo)).toBe(false);
    expect(existsSync(repoDir(cwd, "acme/other"))).toBe(true);
  });

  test("--clean-model of one of two models at the same commit removes only its ref; the second clean removes the repo", async () => {
    const cwd = await fill(hfConfig(model("old", REPO, "v1") + model("pr", REPO, "refs/pr/1")));
    const repo = repoDir(cwd);
    expect((await runOffline(cwd, ["--clean-model", "pr"])).code).toBe(0);
    expect(existsSync(join(repo, "refs", "refs", "pr", "1"))).toBe(false);
    expect(readFileSync(join(repo, "refs", "v1"), "utf8")).toBe(commitOf("v1"));
    expect((await runOffline(cwd, ["--verify-only", "--model", "old"])).code).toBe(0);
    expect((await runOffline(cwd, ["--clean-model", "old"])).code).toBe(0);
    expect(existsSync(repo)).toBe(false);
  });

  test("a snapshot that a ref of another tool names is left whole by --clean-model", async () => {
    const cwd = await fill(hfConfig(model("old", REPO, "v1")));
    const repo = repoDir(cwd);
    writeFileSync(join(repo, "refs", "python-branch"), commitOf("v1"));
    const clean = await runOffline(cwd, ["--clean-model", "old"]);
    expect(clean.code).toBe(0);
    expect(readdirSync(join(repo, "snapshots", commitOf("v1"))).sort()).toEqual(["config.json", "model.safetensors", "sub"]);
  });

  test("a revision update keeps shared blobs and drops what only the old snapshot used", async () => {
    const commit0 = commitOf("v1");
    const cwd = await fill(hfConfig(model("m", REPO, "v1")));
    writeFileSync(join(cwd, "models.yaml"), hfConfig(model("m", REPO, "main")));
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(fileDownloads()).toEqual(["config.json"]);
    const repo = repoDir(cwd);
    expect(readdirSync(join(repo, "snapshots"))).toEqual([commitOf()]);
    expect(existsSync(join(repo, "refs", "v1"))).toBe(false);
    expect(readdirSync(join(repo, "blobs"))).toHaveLength(3);
    expect(commit0).not.toBe(commitOf());
  });

  test("two configurations sharing one hub cache with the same model id for two repositories never delete each other's repository", async () => {
    const hubCache = join(tempDir("mm-shared-hub"), "hub");
    const configA = project(`layout: hf\nmodels:\n${model("m", "acme/moving")}`);
    const configB = project(`layout: hf\nmodels:\n${model("m", REPO, "v1")}`);
    const run = (cwd: string) => runAgainst(hub, ["-q"], { cwd, env: { HF_HUB_CACHE: hubCache } });
    const snapshotFiles = (repo: string) => readdirSync(join(hubCache, `models--${repo.replace("/", "--")}`, "snapshots"), { recursive: true }).length;
    expect((await run(configA)).code).toBe(0);
    expect((await run(configB)).code).toBe(0);
    const before = [snapshotFiles("acme/moving"), snapshotFiles(REPO)];
    expect(before[0]).toBeGreaterThan(1);
    hub.resetLog();
    expect((await run(configA)).code).toBe(0);
    expect(fileDownloads()).toEqual([]);
    expect([snapshotFiles("acme/moving"), snapshotFiles(REPO)]).toEqual(before);
    expect((await runOffline(configA, ["--verify-only", "--verify", "sha256"], { HF_HUB_CACHE: hubCache })).code).toBe(0);
  });

  test("without cache_dir the cache is HF_HUB_CACHE, else HF_HOME/hub", async () => {
    const home = tempDir("mm-hfhome");
    const cwd = project(hfConfig(model("other", "acme/other"), ""));
    expect((await runAgainst(hub, ["-q"], { cwd, env: { HF_HOME: home } })).code).toBe(0);
    expect(readdirSync(join(home, "hub")).sort()).toEqual([".locks", "models--acme--other"]);
    const hubCache = tempDir("mm-hubcache");
    expect((await runAgainst(hub, ["-q"], { cwd, env: { HF_HOME: home, HF_HUB_CACHE: hubCache } })).code).toBe(0);
    expect(readdirSync(hubCache).sort()).toEqual([".locks", "models--acme--other"]);
    const listed = await runOffline(cwd, ["--list", "--json", "--cache-dir", join(home, "hub")]);
    expect(JSON.parse(listed.stdout).models[0].status).toBe("cached");
  });

  test("a cache set by HF_HUB_CACHE or HF_HOME that is a file is blamed on that variable, not on cache_dir", async () => {
    const cwd = project(hfConfig(model("other", "acme/other"), ""));
    const file = join(tempDir("mm-hubfile"), "not-a-folder");
    writeFileSync(file, "x");
    const byHubCache = await runAgainst(hub, ["-q"], { cwd, env: { HF_HUB_CACHE: file } });
    expect(byHubCache.code).toBe(1);
    expect(byHubCache.stderr).toContain(`HF_HUB_CACHE ${file} is not a folder`);
    expect(byHubCache.stderr).not.toContain("cache_dir");
    const byHome = await runAgainst(hub, ["-q"], { cwd, env: { HF_HOME: file } });
    expect(byHome.code).toBe(1);
    expect(byHome.stderr).toContain(`HF_HOME/hub ${file}/hub is not a folder`);
    expect(byHome.stderr).not.toContain("cache_dir");
  });

  test("--refresh moves refs/main to the new commit, fetches only what changed and drops the old snapshot", async () => {
    const cwd = await fill(hfConfig(model("moving", "acme/moving")));
    const repo = repoDir(cwd, "acme/moving");
    const before = hub.file("acme/moving", "config.json")!.commit;
    const after = hub.pushCommit({ repo: "acme/moving", files: { "config.json": json({ step: 2 }) } });
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expect(fileDownloads()).toEqual([]);
    expect(readFileSync(join(repo, "refs", "main"), "utf8")).toBe(before);
    const refresh = await runAgainst(hub, ["-q", "--refresh"], { cwd });
    expect(refresh.code).toBe(0);
    expect(fileDownloads()).toEqual(["config.json"]);
    expect(readFileSync(join(repo, "refs", "main"), "utf8")).toBe(after);
    expect(readdirSync(join(repo, "snapshots"))).toEqual([after]);
    expect(readdirSync(join(repo, "blobs"))).toHaveLength(2);
    expect(readFileSync(join(repo, "snapshots", after, "config.json"), "utf8")).toBe(json({ step: 2 }));
  });

  test("the library: ModelManager, isCached, getModelPath and verifyModel speak the hf layout", async () => {
    const cwd = project(hfConfig(model("tiny", REPO)));
    const manager = api.ModelManager.fromConfig("models.yaml", { cwd, hub: readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: "/nonexistent" }) });
    const spec = manager.getModelSpec("tiny");
    const snapshot = join(repoDir(cwd), "snapshots", commitOf());
    expect(api.getModelPath(spec, manager.config)).toBe(repoDir(cwd));
    expect(await api.isCached(spec, manager.config)).toBe(false);
    expect(await manager.ensureModel("tiny")).toBe(snapshot);
    expect(api.getModelPath(spec, manager.config)).toBe(snapshot);
    expect(await api.isCached(spec, manager.config)).toBe(true);
    const report = await api.verifyModel(snapshot, "sha256");
    expect(report).toMatchObject({ id: "tiny", status: "ok", files: Object.keys(V2).length });
    const elsewhere = tempDir("mm-api-hf");
    const path = await api.downloadModel(spec, elsewhere, { hub: readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: "/nonexistent" }), layout: "hf" });
    expect(path).toBe(join(elsewhere, "models--acme--tiny", "snapshots", commitOf()));
  });
});
