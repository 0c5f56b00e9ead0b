/** One versioned JSON contract: every command's --json output, through the compiled binary, against the published schema. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";
import { REPO_ROOT } from "../helpers/binary.ts";
import { DEAD_ENDPOINT } from "../helpers/run-cli.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { renderJsonSchema, SCHEMA_FILE } from "../output/json-schema-file.ts";

const REPO = "acme/contract";
let hub: LocalHub;

beforeAll(async () => {
  hub = await startHub({
    repos: [{ id: REPO, files: { "config.json": json({ layers: 2 }), "model.safetensors": generated(1_500_000), "model.onnx": generated(10_000) } }],
  });
});
afterAll(() => hub.stop());

// "good" downloads; "absent" names a repository the hub does not have (exit 4).
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: good\n    repo_id: ${REPO}\n  - id: absent\n    repo_id: acme/no-such-repo\n`;

describe("--json", () => {
  test("the committed JSON Schema file is what the valibot source produces (bun run schema)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(renderJsonSchema());
  });

  test("the README's example follows the contract", async () => {
    const readme = await Bun.file(join(REPO_ROOT, "README.md")).text();
    const section = readme.slice(readme.indexOf("### JSON output"));
    const example = section.slice(section.indexOf("```json\n") + 8, section.indexOf("```\n", section.indexOf("```json\n") + 8));
    expect(parseJsonOutput(example, "download").models).toHaveLength(2);
  });

  test("a download reports successes and failures in configuration order, with schemaVersion 1", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["--json"], { cwd });
    expect(run.code).toBe(4);
    const output = parseJsonOutput(run.stdout, "download");
    expect(output).toMatchObject({ schemaVersion: 1, ok: false, exitCode: 4, cacheDir: join(cwd, "cache") });
    const [good, absent] = output.models;
    expect(good).toMatchObject({ id: "good", ok: true, path: join(cwd, "cache", "good"), repoId: REPO, revision: "main", action: "fetch", files: 2, verify: "sha256", downloadedFiles: 2, defaultExcluded: ["model.onnx"] });
    if (!good?.ok) throw new Error("good failed");
    expect(good.commit).toBe(hub.file(REPO, "config.json")?.commit as string);
    expect(good.bytes).toBe((hub.file(REPO, "config.json")?.size ?? 0) + 1_500_000);
    expect(absent).toMatchObject({ id: "absent", ok: false, exitCode: 4, code: "NOT_FOUND" });
    expect(absent && !absent.ok && absent.message).toContain("acme/no-such-repo");

    const warm = parseJsonOutput((await runAgainst(hub, ["--json", "--model", "good"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } })).stdout, "download");
    expect(warm).toMatchObject({ ok: true, exitCode: 0, models: [{ id: "good", ok: true, action: "cached", downloadedFiles: 0, files: 2 }] });
  });

  test("--dry-run, --list, --verify-only, --cache-key, --clean-model and --clean follow the same contract", async () => {
    const cwd = project(CONFIG);
    await runAgainst(hub, ["--model", "good"], { cwd });

    const dryRun = parseJsonOutput((await runAgainst(hub, ["--dry-run", "--json"], { cwd })).stdout, "dry-run");
    expect(dryRun).toMatchObject({ ok: false, exitCode: 4, models: [{ id: "good", ok: true, action: "cached", download: [] }, { id: "absent", ok: false, code: "NOT_FOUND" }] });

    const list = parseJsonOutput((await runAgainst(hub, ["--list", "--json"], { cwd })).stdout, "list");
    expect(list).toMatchObject({ ok: true, exitCode: 0, models: [{ id: "good", status: "cached", files: 2 }, { id: "absent", status: "missing", commit: null }] });

    const verified = await runAgainst(hub, ["--verify-only", "--json"], { cwd });
    expect(verified.code).toBe(4);
    expect(parseJsonOutput(verified.stdout, "verify-only")).toMatchObject({
      ok: false,
      exitCode: 4,
      models: [
        { id: "good", ok: true, verify: "sha256", files: 2, commit: hub.file(REPO, "config.json")?.commit },
        { id: "absent", ok: false, exitCode: 4, code: "NOT_CACHED", status: "not-cached", failures: [] },
      ],
    });
    const weights = join(cwd, "cache", "good", "model.safetensors");
    const bytes = readFileSync(weights);
    bytes[10] = (bytes[10] as number) ^ 0xff;
    writeFileSync(weights, bytes);
    const bad = await runAgainst(hub, ["--verify-only", "--json", "--model", "good"], { cwd });
    expect(bad.code).toBe(3);
    expect(parseJsonOutput(bad.stdout, "verify-only")).toMatchObject({
      ok: false,
      exitCode: 3,
      models: [{ id: "good", ok: false, exitCode: 3, code: "BAD_CHECKSUM", status: "failed", failures: [{ path: "model.safetensors", reason: "sha256" }] }],
    });

    const plainKey = (await runAgainst(hub, ["--cache-key"], { cwd })).stdout.trim();
    const key = parseJsonOutput((await runAgainst(hub, ["--cache-key", "--json"], { cwd })).stdout, "cache-key");
    expect(key).toMatchObject({ ok: true, exitCode: 0, cacheKey: plainKey, models: [{ id: "good", repoId: REPO }, { id: "absent" }] });

    const wouldClean = parseJsonOutput((await runAgainst(hub, ["--clean-model", "good", "--dry-run", "--json"], { cwd })).stdout, "clean-model");
    expect(wouldClean).toMatchObject({ ok: true, dryRun: true, models: [{ id: "good", ok: true, indexed: true, wasEmpty: false }] });
    expect(wouldClean.bytes).toBeGreaterThan(1_500_000);
    const cleaned = parseJsonOutput((await runAgainst(hub, ["--clean", "--json"], { cwd })).stdout, "clean");
    expect(cleaned).toMatchObject({ ok: true, dryRun: false, bytes: wouldClean.bytes, models: [{ id: "good", wasEmpty: false }, { id: "absent", wasEmpty: true }] });
  });

  test("a run that fails before any model still prints the contract, with the error", async () => {
    const cwd = project("models:\n  - id: x\n    repo_id: acme/x\n    revison: main\n");
    const run = await runAgainst(hub, ["--list", "--json"], { cwd });
    expect(run.code).toBe(2);
    const output = parseJsonOutput(run.stdout, "list");
    expect(output).toMatchObject({ schemaVersion: 1, ok: false, exitCode: 2, models: [], error: { code: "CONFIGURATION_ERROR" } });
    expect(output.error?.message).toContain('unknown key "revison"');
    const usage = await runAgainst(hub, ["--verify-only", "--verify", "md5", "--json"], { cwd });
    expect(usage.code).toBe(2);
    expect(parseJsonOutput(usage.stdout, "verify-only")).toMatchObject({ ok: false, exitCode: 2, models: [], error: { code: "USAGE_ERROR" } });
    expect(usage.stderr).toContain('--verify must be one of "none", "size", "sha256"');
    const conflict = await runAgainst(hub, ["--list", "--clean", "--json"], { cwd });
    expect(parseJsonOutput(conflict.stdout, "list").error?.message).toContain("--list and --clean cannot be used together");
    const unknown = await runAgainst(hub, ["--model", "nope", "--json", "--dry-run"], { cwd: project(CONFIG) });
    expect(parseJsonOutput(unknown.stdout, "dry-run")).toMatchObject({ ok: false, exitCode: 4, error: { code: "MISSING_MODEL" } });
  });
});
