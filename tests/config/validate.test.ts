import { describe, expect, test } from "bun:test";
import { project } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";

/** `--list` on a configuration that does not load: exit 2 and the problems on stderr. */
async function problemsOf(yaml: string): Promise<string> {
  const run = await runCli(["-c", "models.yaml", "--list"], { cwd: project(yaml), env: { HF_ENDPOINT: DEAD_ENDPOINT } });
  expect(run.code).toBe(2);
  return run.stderr;
}

describe("schema messages through the binary", () => {
  test("cache_dir: ~ (YAML's null) says so and how to mean the home directory", async () => {
    const stderr = await problemsOf("cache_dir: ~\nmodels:\n  - id: q\n    repo_id: ~\n    revision:\n");
    expect(stderr).toContain('models.yaml:1:12: cache_dir: expected a string, found an empty value; a lone ~ is YAML for "no value", write "~" in quotes for your home directory\n');
    expect(stderr).toContain('models.yaml:4:14: models[0].repo_id: expected a string, found an empty value; a lone ~ is YAML for "no value"\n');
    expect(stderr).toContain("models.yaml:5:14: models[0].revision: expected a string, found an empty value\n");
  });

  test("a short commit that YAML reads as a number is shown as written", async () => {
    const stderr = await problemsOf("models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n    revision: 8218e64\n  - id: r\n    repo_id: Qwen/Qwen3-0.6B\n    revision: 1.10\n");
    expect(stderr).toContain("models.yaml:4:15: models[0].revision: expected a string, found a number (8218e64, which YAML reads as 8.218e+67); put it in quotes to make it a string\n");
    expect(stderr).toContain("models.yaml:7:15: models[1].revision: expected a string, found a number (1.10, which YAML reads as 1.1); put it in quotes");
  });
  test("a folder name longer than file systems allow is refused before any download (id or local_dir)", async () => {
    const stderr = await problemsOf(`models:\n  - id: ${"a".repeat(300)}\n    repo_id: Qwen/Qwen3-0.6B\n  - id: b\n    repo_id: Qwen/Qwen3-0.6B\n    local_dir: b/${"\u00e9".repeat(130)}\n`);
    expect(stderr).toContain("models.yaml:2:9: models[0].id: cannot be the model's folder name (used when local_dir is absent): it has a folder name of 300 bytes; file systems allow at most 255; set local_dir\n");
    expect(stderr).toContain("models.yaml:6:16: models[1].local_dir: has a folder name of 260 bytes; file systems allow at most 255\n");
  });

  test.skipIf(process.platform === "win32")("a Windows cache_dir (backslashes) is refused instead of becoming one folder named C:\\models", async () => {
    const stderr = await problemsOf("cache_dir: C:\\models\nmodels:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    expect(stderr).toContain('models.yaml:1:12: cache_dir: must use "/" between folders, not "\\"');
  });
});
