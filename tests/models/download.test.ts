import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub, TEST_TOKENS } from "../local-hub/index.ts";
import { cacheIndexOf, expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";

const REPO = "acme/encoder";
const FILES = ["config.json", "tokenizer.json", "1_Pooling/config.json", "model.safetensors"];

let hub: LocalHub;

beforeAll(async () => {
  hub = await startHub({
    repos: [
      {
        id: REPO,
        files: {
          "config.json": json({ model_type: "bert", hidden_size: 32 }),
          "tokenizer.json": json({ version: "1.0", model: { type: "WordPiece" } }),
          "1_Pooling/config.json": json({ word_embedding_dimension: 32 }),
          "model.safetensors": generated(3_000_000),
          "onnx/model.onnx": generated(100_000),
          "flax_model.msgpack": generated(50_000),
        },
      },
    ],
  });
});

afterAll(() => hub.stop());

const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: encoder\n    repo_id: ${REPO}\n`;

describe("downloading a model", () => {
  test("a files entry that matches nothing is named, with the model named once (exit 4)", async () => {
    const cwd = project(`${CONFIG}    files: [config.json, nope.bin]\n`);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^error: Model "encoder": the files entry "nope\.bin" matches no file in acme\/encoder at main \([0-9a-f]{12}\)$/m);
    expect(run.stderr).not.toContain('encoder: Model "encoder"');
  });

  test("with exclude: [] nothing is left out, and nothing is said about the default list", async () => {
    const cwd = project(`${CONFIG}    exclude: []\n    verify: size\n`);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(existsSync(join(cwd, "cache", "encoder", "onnx", "model.onnx"))).toBe(true);
    expect(run.stderr).not.toContain("default exclude");
    expect(run.stderr).toContain("encoder: downloaded 6 files");
    expect(run.stderr).toContain(", verified (size)\n");
  });

  test("puts the hub's exact bytes at the final paths, skips the default excludes, prints the path, records the commit", async () => {
    const cwd = project(CONFIG);
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd, env: { HF_TOKEN: TEST_TOKENS.user } });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    const modelDir = join(cwd, "cache", "encoder");
    expect(run.stdout).toBe(`encoder\t${modelDir}\n`);
    expectSameBytes(hub, REPO, FILES, modelDir);
    expect(existsSync(join(modelDir, "onnx"))).toBe(false);
    expect(existsSync(join(modelDir, "flax_model.msgpack"))).toBe(false);
    // The success line says how the files were verified; the default excludes are named with the way to keep them.
    expect(run.stderr).toMatch(/encoder: downloaded 4 files \(2\.9 MiB\) at [0-9a-f]{12}, verified \(sha256\)\n/);
    expect(run.stderr).toContain('encoder: the default exclude list (*.onnx, *.onnx_data, *.msgpack, *.h5, *.tflite, *.ot) left out 2 files (');
    expect(run.stderr).toContain('set "exclude: []" on the model to keep them');

    const index = cacheIndexOf(cwd);
    const entry = index.models.encoder;
    expect(entry.commit).toBe(hub.repo(REPO)?.resolveRevision("main")?.sha);
    expect(entry.verify).toBe("sha256");
    expect(entry.files.map((file: { path: string }) => file.path).sort()).toEqual([...FILES].sort());
    for (const file of entry.files) expect(file.sha256).toBe(hub.file(REPO, file.path)?.sha256);

    // The token went to the hub, never to the CDN; the model took one revision lookup and one listing.
    expect(hub.tokenSeenAtCdn).toBe(false);
    expect(hub.requests.some((request) => request.listener === "cdn")).toBe(true);
    expect(hub.requests.filter((request) => request.route === "api-revision")).toHaveLength(1);
    expect(hub.requests.filter((request) => request.route === "api-tree")).toHaveLength(1);
    // No temporary or partial file is left behind.
    expect(readdirSync(join(cwd, "cache", ".model-manager", "partial"))).toEqual([]);
  });

  test("a warm cache answers from disk: no request at all", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    hub.resetLog();
    const again = await runAgainst(hub, [], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`encoder\t${join(cwd, "cache", "encoder")}\n`);
    expect(again.stderr).toContain("encoder: cached, verified (sha256)");
    // What the default exclude list left out is remembered from the download: said again, with no request.
    expect(again.stderr).toContain('encoder: the default exclude list (*.onnx, *.onnx_data, *.msgpack, *.h5, *.tflite, *.ot) left out 2 files (');
    const dry = await runAgainst(hub, ["--dry-run"], { cwd });
    expect(dry.stdout).toContain("encoder: cached at ");
    expect(dry.stdout).toContain("encoder: the default exclude list (*.onnx, *.onnx_data, *.msgpack, *.h5, *.tflite, *.ot) left out 2 files (");
    expect(hub.requests).toHaveLength(0);
  });

  test("--json prints each model's absolute path in the documented shape", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["--json", "-q"], { cwd });
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run.stdout, "download").models.map((model) => [model.id, model.ok && model.path])).toEqual([["encoder", join(cwd, "cache", "encoder")]]);
  });

  test("--quiet prints nothing but the result", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["--quiet"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
  });

  test("--dry-run's total says when models could not be planned, so 0 files does not read as nothing to do", async () => {
    const cwd = project(`${CONFIG}  - id: typo\n    repo_id: acme/no-such-model\n`);
    const run = await runAgainst(hub, ["--dry-run"], { cwd });
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/\ntotal: would download 4 files \([\d.]+ MiB\); 1 model could not be planned \(see the errors\)\n$/);
  });

  test("--dry-run lists the files and bytes it would fetch and writes nothing", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["--dry-run"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("encoder: fetch at");
    expect(run.stdout).toContain("would download 4 files");
    expect(run.stdout).toContain("+ model.safetensors (2.9 MiB)");
    expect(run.stdout).toContain("+ 1_Pooling/config.json");
    expect(run.stdout).toContain("encoder: the default exclude list (*.onnx, *.onnx_data, *.msgpack, *.h5, *.tflite, *.ot) left out 2 files (");
    expect(existsSync(join(cwd, "cache"))).toBe(false);
    const json = await runAgainst(hub, ["--dry-run", "--json"], { cwd });
    const [plan] = parseJsonOutput(json.stdout, "dry-run").models;
    if (!plan?.ok) throw new Error(`dry run failed: ${json.stdout}`);
    expect(plan.download.map((file: { path: string }) => file.path).sort()).toEqual([...FILES].sort());
    expect([...plan.defaultExcluded].sort()).toEqual(["flax_model.msgpack", "onnx/model.onnx"]);
    expect(plan.downloadBytes).toBe(FILES.reduce((sum, path) => sum + (hub.file(REPO, path)?.size ?? 0), 0));
  });
});
