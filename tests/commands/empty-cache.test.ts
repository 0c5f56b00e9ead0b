import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { runCli, runOffline } from "../helpers/run-cli.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";

const CONFIG = `cache_dir: cache
verify: sha256
models:
  - id: tiny-bert
    repo_id: org/tiny-bert
  - id: Qwen/Qwen3-0.6B
    repo_id: Qwen/Qwen3-0.6B
    local_dir: Qwen/Qwen3-0.6B
    verify: size
`;

function project(): string {
  const dir = tempDir("mm-empty");
  writeFileSync(join(dir, "models.yaml"), CONFIG);
  return dir;
}

describe("commands on a cache that holds nothing yet", () => {
  test("--list shows every model as missing, makes no request, creates nothing", async () => {
    const cwd = project();
    const run = await runOffline(cwd, ["--list"]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+REPOSITORY\s+STATUS\s+FILES\s+SIZE\s+VERIFY\s+LAST VERIFIED\s+SOURCE$/);
    expect(lines[1]).toMatch(/^tiny-bert\s+org\/tiny-bert@main\s+missing\s+0\s+-\s+sha256\s+never\s+-$/);
    expect(lines[2]).toMatch(/^Qwen\/Qwen3-0\.6B\s+Qwen\/Qwen3-0\.6B@main\s+missing\s+0\s+-\s+size\s+never\s+-$/);
    expect(run.stderr).toContain("0 of 2 models cached");
    expect(existsSync(join(cwd, "cache"))).toBe(false);
  });

  test("--list --json is machine-readable", async () => {
    const cwd = project();
    const run = await runCli(["--config", "models.yaml", "--list", "--json"], { cwd });
    expect(run.code).toBe(0);
    const report = parseJsonOutput(run.stdout, "list") as { cacheDir: string; models: Array<{ id: string; status: string; path: string }> };
    expect(report.cacheDir).toBe(join(cwd, "cache"));
    expect(report.models.map((model) => [model.id, model.status])).toEqual([
      ["tiny-bert", "missing"],
      ["Qwen/Qwen3-0.6B", "missing"],
    ]);
    expect(report.models[1]?.path).toBe(join(cwd, "cache", "Qwen", "Qwen3-0.6B"));
  });

  test("--clean says each model is not cached and succeeds without creating the cache", async () => {
    const cwd = project();
    const run = await runCli(["--config", "models.yaml", "--clean"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("tiny-bert: not in the cache, nothing to remove");
    expect(run.stdout).toContain("Qwen/Qwen3-0.6B: not in the cache, nothing to remove");
    expect(run.stdout).toContain("freed 0 B");
    expect(existsSync(join(cwd, "cache"))).toBe(false);
  });

  test("--clean-model of a configured but uncached model succeeds; of an unknown id exits 4 with a hint", async () => {
    const cwd = project();
    const ok = await runCli(["--config", "models.yaml", "--clean-model", "tiny-bert"], { cwd });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("tiny-bert: not in the cache, nothing to remove");
    const unknown = await runCli(["--config", "models.yaml", "--clean-model", "tiny-bret"], { cwd });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('Model "tiny-bret" is not in the configuration. Did you mean "tiny-bert"?');
  });

  test("--model or --clean-model naming a model's repository instead of its id says whose it is", async () => {
    const cwd = project();
    for (const args of [["--model", "org/tiny-bert", "--list"], ["--clean-model", "ORG/tiny-bert"]]) {
      const run = await runCli(["--config", "models.yaml", ...args], { cwd });
      expect(run.code).toBe(4);
      expect(run.stderr).toBe(`error: Model "${args[1]}" is not in the configuration: it is the repository of model "tiny-bert"; name it by the id.\n`);
    }
  });

  test("--clean --dry-run lists nothing to remove", async () => {
    const cwd = project();
    const run = await runCli(["--config", "models.yaml", "--clean", "--dry-run", "--json"], { cwd });
    expect(run.code).toBe(0);
    const report = parseJsonOutput(run.stdout, "clean") as { dryRun: boolean; bytes: number; models: Array<{ wasEmpty: boolean }> };
    expect(report.dryRun).toBe(true);
    expect(report.bytes).toBe(0);
    expect(report.models.every((model) => model.wasEmpty)).toBe(true);
  });

  test("--verify-only reports every model as not cached, exits 4, and needs no network", async () => {
    const cwd = project();
    const run = await runOffline(cwd, ["--verify-only"]);
    expect(run.code).toBe(4);
    expect(run.stdout).toContain("NOT CACHED  tiny-bert: it has not been downloaded");
    expect(run.stdout).toContain("NOT CACHED  Qwen/Qwen3-0.6B");
  });

  test("--model limits a command to the named models", async () => {
    const cwd = project();
    const run = await runCli(["--config", "models.yaml", "--list", "--json", "--model", "Qwen/Qwen3-0.6B"], { cwd });
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run.stdout, "list").models.map((model) => model.id)).toEqual(["Qwen/Qwen3-0.6B"]);
  });

  test("--cache-dir overrides the configured cache directory", async () => {
    const cwd = project();
    mkdirSync(join(cwd, "elsewhere"));
    const run = await runCli(["--config", "models.yaml", "--cache-dir", "elsewhere", "--list", "--json"], { cwd });
    expect(parseJsonOutput(run.stdout, "list").cacheDir).toBe(join(cwd, "elsewhere"));
  });

  test("HF_HUB_OFFLINE=1 with a model not in the cache exits 4 naming it and makes no request", async () => {
    const cwd = project();
    const run = await runOffline(cwd, ["--model", "tiny-bert"], { HF_HUB_OFFLINE: "1" });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('error: Model "tiny-bert" is not in the cache: the cache index in ');
    expect(run.stderr).toContain("and HF_HUB_OFFLINE is set, so it cannot be downloaded");
  });
});

describe("--cache-key", () => {
  async function keyOf(config: string): Promise<string> {
    const cwd = tempDir("mm-key");
    writeFileSync(join(cwd, "models.yaml"), config);
    const run = await runCli(["--config", "models.yaml", "--cache-key"], { cwd });
    expect(run.code).toBe(0);
    return run.stdout.trim();
  }

  test("is stable across comments, order, verify levels and cache_dir, and changes with what is fetched", async () => {
    const base = await keyOf(CONFIG);
    expect(base).toMatch(/^model-manager-v1-[0-9a-f]{32}$/);
    const reordered = `# a comment\ncache_dir: other\nverify: none\nmodels:\n  - id: Qwen/Qwen3-0.6B\n    repo_id: Qwen/Qwen3-0.6B\n    local_dir: Qwen/Qwen3-0.6B\n  - repo_id: org/tiny-bert\n    id: tiny-bert\n`;
    expect(await keyOf(reordered)).toBe(base);
    expect(await keyOf(CONFIG.replace("repo_id: org/tiny-bert", "repo_id: org/tiny-bert\n    revision: v2"))).not.toBe(base);
    expect(await keyOf(CONFIG.replace("repo_id: org/tiny-bert", "repo_id: org/tiny-bert\n    files: [config.json]"))).not.toBe(base);
  });

  test("changes with the layout (a plain cache is no use to layout: hf); layout: plain keeps the key it had", async () => {
    const base = await keyOf(CONFIG);
    expect(await keyOf(`layout: plain\n${CONFIG}`)).toBe(base);
    expect(await keyOf(`layout: hf\n${CONFIG}`)).not.toBe(base);
  });
});
