/** Fidelity: the official JS client (@huggingface/hub) against the local hub. */
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  datasetInfo,
  downloadFile,
  fileDownloadInfo,
  HubApiError,
  listFiles,
  type ListFileEntry,
  modelInfo,
  pathsInfo,
  snapshotDownload,
} from "@huggingface/hub";
import { sha256Hex } from "./content.ts";
import { TEST_TOKENS } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import { DATASET, EDGE, GATED, MANY, PRIVATE, testRepos, TINY } from "./test-fixtures.ts";

let hub: LocalHub;
let cacheDir: string;

beforeAll(async () => {
  hub = await LocalHub.start({ repos: testRepos(), treePageSize: 25 });
  cacheDir = mkdtempSync(join(tmpdir(), "hub-js-cache-"));
});

afterAll(async () => {
  await hub.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

async function collect(iterator: AsyncGenerator<ListFileEntry>): Promise<ListFileEntry[]> {
  const entries: ListFileEntry[] = [];
  for await (const entry of iterator) entries.push(entry);
  return entries;
}

async function rejection(promise: Promise<unknown>): Promise<HubApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(HubApiError);
  return error as HubApiError;
}

describe("modelInfo / datasetInfo", () => {
  test("maps _id, id, gated and resolves revisions to the commit sha", async () => {
    const repo = hub.repo(TINY)!;
    const info = await modelInfo({ name: TINY, hubUrl: hub.url, additionalFields: ["sha"] });
    expect(info.id).toBe(repo.objectId);
    expect(info.name).toBe(TINY);
    expect(info.gated).toBe(false);
    expect(info.private).toBe(false);
    expect(info.sha).toBe(repo.head.sha);
    for (const [revision, sha] of [
      ["v1", repo.tags.get("v1")],
      ["dev", repo.branches.get("dev")],
      ["refs/pr/1", repo.pullRequests.get(1)],
      [repo.tags.get("v1")!.slice(0, 7), repo.tags.get("v1")],
    ]) {
      expect((await modelInfo({ name: TINY, hubUrl: hub.url, revision, additionalFields: ["sha"] })).sha).toBe(sha!);
    }
    const gated = await modelInfo({ name: GATED, hubUrl: hub.url });
    expect(gated.gated).toBe("manual");
  });

  test("datasets use /api/datasets", async () => {
    const info = await datasetInfo({ name: DATASET, hubUrl: hub.url, additionalFields: ["sha"] });
    expect(info.name).toBe(DATASET);
    expect(info.sha).toBe(hub.repo(DATASET, "dataset")!.head.sha);
  });

  test("unknown revisions, missing and private repos fail as on the Hub", async () => {
    expect((await rejection(modelInfo({ name: TINY, hubUrl: hub.url, revision: "nope" }))).statusCode).toBe(404);
    expect((await rejection(modelInfo({ name: "acme/missing", hubUrl: hub.url }))).statusCode).toBe(401);
    expect((await rejection(modelInfo({ name: "acme/missing", hubUrl: hub.url, accessToken: TEST_TOKENS.user }))).statusCode).toBe(404);
    expect((await rejection(modelInfo({ name: PRIVATE, hubUrl: hub.url }))).statusCode).toBe(401);
    expect((await modelInfo({ name: PRIVATE, hubUrl: hub.url, accessToken: TEST_TOKENS.approved })).private).toBe(true);
    const invalid = await rejection(modelInfo({ name: TINY, hubUrl: hub.url, accessToken: TEST_TOKENS.invalid }));
    expect(invalid.statusCode).toBe(401);
    expect(invalid.message).toContain("Invalid credentials in Authorization header");
  });
});

describe("listFiles", () => {
  test("recursive listing equals the repository's files and directories", async () => {
    const entries = await collect(listFiles({ repo: TINY, hubUrl: hub.url, recursive: true }));
    const head = hub.repo(TINY)!.head;
    expect(entries.map((entry) => entry.path).sort()).toEqual(head.entries.map((entry) => entry.path).sort());
    for (const entry of entries) {
      if (entry.type === "directory") {
        expect(entry.oid).toBe(head.directories.get(entry.path)!.oid);
        continue;
      }
      const file = hub.file(TINY, entry.path)!;
      expect(entry.size).toBe(file.size);
      expect(entry.oid).toBe(file.oid);
      expect(entry.lfs?.oid).toBe(file.lfs ? file.sha256 : undefined);
    }
  });

  test("follows Link pagination to the last page", async () => {
    hub.resetLog();
    const entries = await collect(listFiles({ repo: MANY, hubUrl: hub.url, recursive: true }));
    expect(entries.filter((entry) => entry.type === "file")).toHaveLength(120);
    expect(entries.filter((entry) => entry.type === "directory").map((entry) => entry.path).sort()).toEqual([
      "shards",
      "shards/0",
      "shards/1",
      "shards/2",
    ]);
    expect(new Set(entries.map((entry) => entry.path)).size).toBe(entries.length);
    expect(hub.requests.filter((record) => record.route === "api-tree")).toHaveLength(Math.ceil(124 / 25));
  });

  test("a sub-path lists direct children only; an unencoded refs/pr/N revision works", async () => {
    const children = await collect(listFiles({ repo: TINY, hubUrl: hub.url, path: "sub" }));
    expect(children.map((entry) => [entry.type, entry.path])).toEqual([
      ["directory", "sub/dir"],
      ["file", "sub/weights.bin"],
    ]);
    const atPr = await collect(listFiles({ repo: TINY, hubUrl: hub.url, revision: "refs/pr/1" }));
    expect(atPr.map((entry) => entry.path)).toContain("pr-only.txt");
  });

  test("expand adds lastCommit", async () => {
    const entries = await collect(listFiles({ repo: TINY, hubUrl: hub.url, expand: true }));
    const config = entries.find((entry) => entry.path === "config.json")!;
    expect(config.lastCommit?.id).toBe(hub.repo(TINY)!.head.sha);
    expect(config.lastCommit?.title).toBe("bigger");
    const readme = entries.find((entry) => entry.path === "README.md")!;
    expect(readme.lastCommit?.title).toBe("initial");
  });
});

describe("pathsInfo and fileDownloadInfo", () => {
  test("pathsInfo (JSON body) returns the known paths with lastCommit", async () => {
    const info = await pathsInfo({ repo: TINY, hubUrl: hub.url, paths: ["model.safetensors", "sub", "missing.txt"], expand: true });
    expect(info.map((entry) => [entry.type, entry.path])).toEqual([
      ["file", "model.safetensors"],
      ["directory", "sub"],
    ]);
    expect(info[0]!.lfs?.oid).toBe(hub.file(TINY, "model.safetensors")!.sha256);
    expect(info[0]!.lastCommit.id).toBe(hub.repo(TINY)!.tags.get("v1")!);
  });

  test("size and quoted etag for a regular and an LFS file; null for a missing one", async () => {
    const regular = await fileDownloadInfo({ repo: TINY, hubUrl: hub.url, path: "config.json" });
    expect(regular).toMatchObject({ size: hub.file(TINY, "config.json")!.size, etag: `"${hub.file(TINY, "config.json")!.oid}"` });
    const lfs = await fileDownloadInfo({ repo: TINY, hubUrl: hub.url, path: "model.safetensors" });
    expect(lfs).toMatchObject({ size: 300_000, etag: `"${hub.file(TINY, "model.safetensors")!.sha256}"` });
    expect(lfs!.xet).toBeUndefined();
    expect(await fileDownloadInfo({ repo: TINY, hubUrl: hub.url, path: "nope.txt" })).toBeNull();
  });
});

describe("downloadFile and snapshotDownload", () => {
  test("same bytes for regular, nested, odd-named and LFS files", async () => {
    for (const path of ["config.json", "sub/dir/notes.txt", "model.safetensors", "sub/weights.bin"]) {
      const blob = await downloadFile({ repo: TINY, hubUrl: hub.url, path, xet: false });
      expect(sha256Hex(new Uint8Array(await blob!.arrayBuffer()))).toBe(hub.file(TINY, path)!.sha256);
    }
    const odd = await downloadFile({ repo: EDGE, hubUrl: hub.url, path: encodeURIComponent("name with space#1.txt"), xet: false });
    expect(await odd!.text()).toBe("odd name\n");
    const old = await downloadFile({ repo: TINY, hubUrl: hub.url, path: "config.json", revision: "v1", xet: false });
    expect(await old!.text()).toContain('"hidden_size": 32');
  });

  test("gated content: 401 anonymous, 403 not approved, bytes for the approved token", async () => {
    expect((await rejection(downloadFile({ repo: GATED, hubUrl: hub.url, path: "config.json", xet: false }))).statusCode).toBe(401);
    const denied = await rejection(downloadFile({ repo: GATED, hubUrl: hub.url, path: "config.json", xet: false, accessToken: TEST_TOKENS.user }));
    expect(denied.statusCode).toBe(403);
    expect(denied.message).toContain("not in the authorized list");
    const blob = await downloadFile({ repo: GATED, hubUrl: hub.url, path: "model.safetensors", xet: false, accessToken: TEST_TOKENS.approved });
    expect(sha256Hex(new Uint8Array(await blob!.arrayBuffer()))).toBe(hub.file(GATED, "model.safetensors")!.sha256);
  });

  test("snapshotDownload writes every file of the commit", async () => {
    using _quiet = spyOn(console, "debug").mockImplementation(() => {});
    const folder = await snapshotDownload({ repo: TINY, hubUrl: hub.url, cacheDir, revision: "v1" });
    expect(folder).toEndWith(hub.repo(TINY)!.tags.get("v1")!);
    for (const file of hub.repo(TINY)!.resolveRevision("v1")!.files.values()) {
      expect(sha256Hex(readFileSync(join(folder, file.path)))).toBe(hub.file(TINY, file.path, { revision: "v1" })!.sha256);
    }
  });
});
