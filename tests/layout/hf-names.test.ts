import { describe, expect, test } from "bun:test";
import { blobLinkTarget, blobName, needsRef, repoFolderName } from "../../src/layout/hf-names.ts";
import { hfHubCacheDir } from "../../src/layout/hf-root.ts";
import { parseModelsConfig } from "../../src/config/load.ts";

describe("the Hugging Face cache folder, in huggingface_hub's order", () => {
  const cwd = "/work";
  test("HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, then $HF_HOME/hub, then $XDG_CACHE_HOME/huggingface/hub, then ~/.cache/huggingface/hub", () => {
    const all = { HOME: "/home/u", XDG_CACHE_HOME: "/xdg", HF_HOME: "/hfhome", HUGGINGFACE_HUB_CACHE: "/legacy", HF_HUB_CACHE: "/hubcache" };
    expect(hfHubCacheDir(all, cwd)).toBe("/hubcache");
    expect(hfHubCacheDir({ ...all, HF_HUB_CACHE: undefined }, cwd)).toBe("/legacy");
    expect(hfHubCacheDir({ ...all, HF_HUB_CACHE: undefined, HUGGINGFACE_HUB_CACHE: undefined }, cwd)).toBe("/hfhome/hub");
    expect(hfHubCacheDir({ HOME: "/home/u", XDG_CACHE_HOME: "/xdg" }, cwd)).toBe("/xdg/huggingface/hub");
    expect(hfHubCacheDir({ HOME: "/home/u" }, cwd)).toBe("/home/u/.cache/huggingface/hub");
  });

  test("~ and $VARS are expanded; a relative value is taken from the working directory", () => {
    expect(hfHubCacheDir({ HOME: "/home/u", HF_HOME: "~/hf" }, cwd)).toBe("/home/u/hf/hub");
    expect(hfHubCacheDir({ HOME: "/home/u", DATA: "/data", HF_HUB_CACHE: "${DATA}/hub" }, cwd)).toBe("/data/hub");
    expect(hfHubCacheDir({ HOME: "/home/u", HF_HUB_CACHE: "rel/hub" }, cwd)).toBe("/work/rel/hub");
  });
});

describe("names inside the cache", () => {
  test("repo folders per type", () => {
    expect(repoFolderName({ repoId: "org/name", repoType: "model" })).toBe("models--org--name");
    expect(repoFolderName({ repoId: "org/set", repoType: "dataset" })).toBe("datasets--org--set");
    expect(repoFolderName({ repoId: "gpt2", repoType: "model" })).toBe("models--gpt2");
  });

  test("blobs by sha256 for LFS files, by git blob SHA-1 otherwise; links one ../ deeper per folder", () => {
    const sha256 = "a".repeat(64);
    const oid = "b".repeat(40);
    expect(blobName({ oid, lfs: true, sha256 })).toBe(sha256);
    expect(blobName({ oid, lfs: false, sha256 })).toBe(oid);
    expect(blobLinkTarget("config.json", oid)).toBe(`../../blobs/${oid}`);
    expect(blobLinkTarget("1_Pooling/config.json", oid)).toBe(`../../../blobs/${oid}`);
  });

  test("a ref for branches, tags and pull requests, none for a commit", () => {
    expect(needsRef("main")).toBe(true);
    expect(needsRef("refs/pr/1")).toBe(true);
    expect(needsRef("c".repeat(40))).toBe(false);
  });
});

describe("the layout setting", () => {
  const models = "models:\n  - id: m\n    repo_id: org/m\n";
  test("plain by default with cache_dir models; hf without cache_dir is the Hugging Face cache; an explicit cache_dir wins", () => {
    const plain = parseModelsConfig(models, { cwd: "/w" });
    expect(plain.layout).toBeUndefined();
    expect(plain.cacheDir).toBe("/w/models");
    expect(parseModelsConfig(`layout: hf\n${models}`, { cwd: "/w", env: { HOME: "/home/u", HF_HOME: "/hf" } }).cacheDir).toBe("/hf/hub");
    expect(parseModelsConfig(`layout: hf\ncache_dir: mine\n${models}`, { cwd: "/w", env: { HF_HOME: "/hf" } }).cacheDir).toBe("/w/mine");
    expect(parseModelsConfig(`layout: hf\n${models}`, { cwd: "/w", cacheDir: "/cli", env: { HF_HOME: "/hf" } })).toMatchObject({ cacheDir: "/cli", layout: "hf" });
  });

  test("a misspelt layout is a configuration error with a hint", () => {
    expect(() => parseModelsConfig(`layout: hff\n${models}`)).toThrow(/layout: expected one of "plain", "hf", found "hff"; did you mean "hf"\?/);
  });
});
