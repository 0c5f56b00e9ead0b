/**
 * layout: hf with the real consumers: huggingface_hub 1.33 and transformers, installed from the
 * local wheel folder, read what model-manager wrote (HF_HUB_OFFLINE=1), and model-manager reuses
 * what huggingface_hub downloaded. Skipped, with the reason, where python3 or the wheels are missing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { tempDir } from "../helpers/binary.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { pythonSkipReason, runPython } from "../helpers/python-venv.ts";
import { runOffline } from "../helpers/run-cli.ts";

const skip = pythonSkipReason();
const REPO = "acme/tiny-bert";

/** A small but real WordLevel tokenizer, trained by the `tokenizers` package. */
const MAKE_TOKENIZER = `
import json
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
tokenizer = Tokenizer(models.WordLevel(unk_token="[UNK]"))
tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
trainer = trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
tokenizer.train_from_iterator(["hello world", "model manager speaks the hugging face cache"], trainer)
print(json.dumps({"tokenizer": tokenizer.to_str(), "hello": tokenizer.encode("hello world").ids}))
`;

/** What Python sees of the cache, offline: every API a user relies on, as one JSON line. */
const INSPECT = `
import hashlib, json, os, warnings
from huggingface_hub import hf_hub_download, scan_cache_dir, snapshot_download
repo, files = os.environ["REPO"], json.loads(os.environ["FILES"])
result = {"snapshot": snapshot_download(repo, local_files_only=True)}
result["v1"] = snapshot_download(repo, revision="v1", local_files_only=True) if os.environ.get("WITH_V1") else None
result["files"] = {}
for name in files:
    path = hf_hub_download(repo, name)
    result["files"][name] = {"path": path, "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest()}
info = scan_cache_dir()
result["warnings"] = [str(warning) for warning in info.warnings]
result["repos"] = [{"id": r.repo_id, "size": r.size_on_disk, "files": r.nb_files, "revisions": sorted(v.commit_hash for v in r.revisions), "refs": sorted(ref for v in r.revisions for ref in v.refs)} for r in info.repos]
result["incomplete"] = len(info.incomplete_files)
from transformers import AutoConfig, AutoTokenizer
result["model_type"] = AutoConfig.from_pretrained(repo).model_type
result["hello"] = AutoTokenizer.from_pretrained(repo)("hello world", add_special_tokens=False)["input_ids"]
print(json.dumps(result))
`;

let hub: LocalHub;
let hello: number[];
let files: Record<string, string | ReturnType<typeof generated>>;

beforeAll(async () => {
  if (skip) return;
  const made = await runPython(MAKE_TOKENIZER, { HOME: tempDir("mm-pyhome") });
  if (made.code !== 0) throw new Error(`generating the tokenizer failed:\n${made.stderr}`);
  const { tokenizer, hello: ids } = made.value as { tokenizer: string; hello: number[] };
  hello = ids;
  const base = {
    "tokenizer.json": tokenizer,
    "tokenizer_config.json": json({ tokenizer_class: "PreTrainedTokenizerFast", unk_token: "[UNK]", pad_token: "[PAD]" }),
    "model.safetensors": generated(2_500_000, "tiny-bert-weights"),
    "1_Pooling/config.json": json({ word_embedding_dimension: 8, pooling_mode_mean_tokens: true }),
  };
  const config = (hidden: number) => json({ model_type: "bert", vocab_size: 16, hidden_size: hidden, num_hidden_layers: 1, num_attention_heads: 1, intermediate_size: 16 });
  files = { ...base, "config.json": config(8) };
  hub = await startHub({ repos: [{ id: REPO, commits: [{ files: { ...base, "config.json": config(4) } }, { files }], tags: { v1: 0 } }] });
}, 300_000);
afterAll(() => hub?.stop());

const hfConfig = (models: string) => `cache_dir: hub\nlayout: hf\nverify: sha256\nmodels:\n${models}`;
const MAIN = `  - id: bert\n    repo_id: ${REPO}\n`;
const V1 = `  - id: bert-v1\n    repo_id: ${REPO}\n    revision: v1\n`;
const fileDownloads = () => hub.requests.filter((request) => request.route === "resolve" || request.route === "cdn").length;

function inspect(cwd: string, withV1 = false) {
  return runPython(INSPECT, {
    HOME: tempDir("mm-pyhome"),
    HF_HOME: join(cwd, "hf-home"),
    HF_HUB_CACHE: join(cwd, "hub"),
    HF_HUB_OFFLINE: "1",
    REPO,
    FILES: JSON.stringify(Object.keys(files)),
    ...(withV1 ? { WITH_V1: "1" } : {}),
  });
}

type Seen = {
  snapshot: string;
  v1: string | null;
  files: Record<string, { path: string; sha256: string }>;
  warnings: string[];
  repos: Array<{ id: string; size: number; files: number; revisions: string[]; refs: string[] }>;
  incomplete: number;
  model_type: string;
  hello: number[];
};

async function expectPythonLoads(cwd: string, withV1 = false): Promise<Seen> {
  const result = await inspect(cwd, withV1);
  if (result.code !== 0) throw new Error(`Python could not load the cache offline:\n${result.stderr}`);
  const seen = result.value as Seen;
  expect(seen.warnings).toEqual([]);
  expect(seen.incomplete).toBe(0);
  expect(seen.model_type).toBe("bert");
  expect(seen.hello).toEqual(hello);
  const commit = hub.file(REPO, "config.json")!.commit;
  expect(seen.snapshot).toBe(join(cwd, "hub", "models--acme--tiny-bert", "snapshots", commit));
  for (const name of Object.keys(files)) {
    expect(seen.files[name]?.path).toBe(join(seen.snapshot, name));
    expect(seen.files[name]?.sha256).toBe(hub.file(REPO, name)!.sha256);
  }
  return seen;
}

function blobSizes(cwd: string): number {
  const blobs = join(cwd, "hub", "models--acme--tiny-bert", "blobs");
  return readdirSync(blobs).reduce((sum, name) => sum + Bun.file(join(blobs, name)).size, 0);
}

if (skip) console.warn(`Python round trips of layout: hf skipped: ${skip}`);

describe.skipIf(skip !== undefined)(mustRunOnCI(`Python reads and writes the same cache${skip ? ` (skipped: ${skip})` : ""}`), () => {
  test("model-manager fills it; snapshot_download, hf_hub_download, scan_cache_dir, AutoConfig and AutoTokenizer work offline", async () => {
    const cwd = project(hfConfig(MAIN + V1));
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const seen = await expectPythonLoads(cwd, true);
    expect(seen.v1).toBe(join(cwd, "hub", "models--acme--tiny-bert", "snapshots", hub.file(REPO, "config.json", { revision: "v1" })!.commit));
    expect(seen.repos).toHaveLength(1);
    expect(seen.repos[0]?.refs).toEqual(["main", "v1"]);
    expect(seen.repos[0]?.size).toBe(blobSizes(cwd));
    expect(seen.repos[0]?.files).toBe(Object.keys(files).length + 1); // the two revisions share all but config.json
  }, 120_000);

  test("huggingface_hub downloads from the hub; model-manager then verifies every file and downloads none", async () => {
    const cwd = project(hfConfig(MAIN));
    const download = await runPython(`import json; from huggingface_hub import snapshot_download; print(json.dumps(snapshot_download("${REPO}")))`, {
      HOME: tempDir("mm-pyhome"),
      HF_HOME: join(cwd, "hf-home"),
      HF_HUB_CACHE: join(cwd, "hub"),
      HF_ENDPOINT: hub.url,
    });
    if (download.code !== 0) throw new Error(`huggingface_hub could not download from the local hub:\n${download.stderr}`);
    hub.resetLog();
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(fileDownloads()).toBe(0);
    expect(run.stdout.trim()).toBe(`bert\t${download.value}`);
    const verify = await runOffline(cwd, ["--verify-only"]);
    expect(verify.code).toBe(0);
    await expectPythonLoads(cwd);
  }, 120_000);

  test("a revision deleted with scan_cache_dir().delete_revisions leaves a cache model-manager repairs", async () => {
    const cwd = project(hfConfig(MAIN + V1));
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const main = hub.file(REPO, "config.json")!.commit;
    const deleted = await runPython(`from huggingface_hub import scan_cache_dir; scan_cache_dir().delete_revisions("${main}").execute(); print("null")`, {
      HOME: tempDir("mm-pyhome"),
      HF_HUB_CACHE: join(cwd, "hub"),
    });
    expect(deleted.code).toBe(0);
    expect(readdirSync(join(cwd, "hub", "models--acme--tiny-bert", "snapshots"))).toEqual([hub.file(REPO, "config.json", { revision: "v1" })!.commit]);
    hub.resetLog();
    const repair = await runAgainst(hub, ["-q"], { cwd });
    expect(repair.code).toBe(0);
    // Only the blob the deleted revision did not share went with it.
    expect(hub.requests.filter((request) => request.route === "resolve").map((request) => request.path)).toEqual(["config.json"]);
    await expectPythonLoads(cwd, true);
  }, 120_000);

  test("model-manager and huggingface_hub filling the same cache at the same time leave it whole", async () => {
    const cwd = project(hfConfig(MAIN));
    const [ours, theirs] = await Promise.all([
      runAgainst(hub, ["-q"], { cwd }),
      runPython(`import json; from huggingface_hub import snapshot_download; print(json.dumps(snapshot_download("${REPO}")))`, {
        HOME: tempDir("mm-pyhome"),
        HF_HOME: join(cwd, "hf-home"),
        HF_HUB_CACHE: join(cwd, "hub"),
        HF_ENDPOINT: hub.url,
      }),
    ]);
    expect(ours.code).toBe(0);
    if (theirs.code !== 0) throw new Error(`huggingface_hub failed beside model-manager:\n${theirs.stderr}`);
    const verify = await runOffline(cwd, ["--verify-only"]);
    expect(verify.code).toBe(0);
    await expectPythonLoads(cwd);
  }, 120_000);

  test("with HF_HUB_DISABLE_SYMLINKS=1 snapshots hold copies, as huggingface_hub makes them where symlinks are impossible, and Python still loads them", async () => {
    const cwd = project(hfConfig(MAIN));
    const run = await runAgainst(hub, ["-q"], { cwd, env: { HF_HUB_DISABLE_SYMLINKS: "1" } });
    expect(run.code).toBe(0);
    const snapshot = join(cwd, "hub", "models--acme--tiny-bert", "snapshots", hub.file(REPO, "config.json")!.commit);
    for (const name of Object.keys(files)) expect(lstatSync(join(snapshot, name)).isFile()).toBe(true);
    hub.resetLog();
    expect((await runAgainst(hub, ["-q"], { cwd, env: { HF_HUB_DISABLE_SYMLINKS: "1" } })).code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    await expectPythonLoads(cwd);
  }, 120_000);
});
