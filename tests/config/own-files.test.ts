import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { project } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";

describe("a model folder never holds the configuration or its lock", () => {
  test("cache_dir . and a model named after the configuration: refused, and --clean leaves the file", async () => {
    const text = "cache_dir: .\nmodels:\n  - id: models.yaml\n    repo_id: Qwen/Qwen3-0.6B\n";
    const cwd = project(text);
    for (const args of [["--clean"], ["--list"], []]) {
      const run = await runCli(["-c", "models.yaml", ...args], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain("models.yaml:3:9: models[0].id:");
      expect(run.stderr).toContain(`holds the configuration file ${join(cwd, "models.yaml")}`);
    }
    expect(readFileSync(join(cwd, "models.yaml"), "utf8")).toBe(text);
  });

  test("a local_dir holding the committed lock, or --cache-dir above a folder holding the configuration", async () => {
    const cwd = project("cache_dir: .\nmodels:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n    local_dir: models.lock.json\n");
    writeFileSync(join(cwd, "models.lock.json"), "{}");
    const lock = await runCli(["-c", "models.yaml", "--clean"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(lock.code).toBe(2);
    expect(lock.stderr).toContain("models.yaml:5:16: models[0].local_dir:");
    expect(lock.stderr).toContain(`holds the lock file of this configuration ${join(cwd, "models.lock.json")}`);
    expect(readFileSync(join(cwd, "models.lock.json"), "utf8")).toBe("{}");

    const root = tempDir("mm-own-files");
    mkdirSync(join(root, "config", "model_manager"), { recursive: true });
    writeFileSync(join(root, "config", "model_manager", "models.yaml"), "models:\n  - id: config\n    repo_id: Qwen/Qwen3-0.6B\n");
    const above = await runCli(["--cache-dir", ".", "--clean"], { cwd: root, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(above.code).toBe(2);
    expect(above.stderr).toContain(`the folder of model "config", ${join(root, "config")}, holds the configuration file`);
    expect(readFileSync(join(root, "config", "model_manager", "models.yaml"), "utf8")).toContain("id: config");
  });

  test("a cache folder beside the configuration is fine", async () => {
    const cwd = project("cache_dir: .\nmodels:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    const run = await runCli(["-c", "models.yaml", "--clean"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(0);
    expect(readFileSync(join(cwd, "models.yaml"), "utf8")).toContain("id: q");
  });
  test("a configuration named model-manager.yaml in its own cache: its lock would be the cache index, refused before either is written", async () => {
    const cwd = tempDir("mm-own-index");
    writeFileSync(join(cwd, "model-manager.yaml"), "cache_dir: .\nmodels:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    const expected = `the lock file of this configuration, ${join(cwd, "model-manager.lock.json")}, would be the cache index of cache_dir ${cwd} (model-manager.lock.json)`;
    const lock = await runCli(["-c", "model-manager.yaml", "lock"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(lock.code).toBe(2);
    expect(lock.stderr).toContain(`model-manager.yaml:1:12: cache_dir: ${expected}`);
    writeFileSync(join(cwd, "model-manager.yaml"), "models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    const flag = await runCli(["-c", "model-manager.yaml", "--cache-dir", ".", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(`--cache-dir: ${expected}`);
    expect(readdirSync(cwd)).toEqual(["model-manager.yaml"]);
  });
});
