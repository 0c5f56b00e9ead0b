import { describe, expect, test } from "bun:test";
import { project } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";

describe("schema messages through the binary", () => {
  test("cache_dir: ~ (YAML's null) says so and how to mean the home directory", async () => {
    const cwd = project("cache_dir: ~\nmodels:\n  - id: q\n    repo_id: ~\n    revision:\n");
    const run = await runCli(["-c", "models.yaml", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models.yaml:1:12: cache_dir: expected a string, found an empty value; a lone ~ is YAML for "no value", write "~" in quotes for your home directory\n');
    expect(run.stderr).toContain('models.yaml:4:14: models[0].repo_id: expected a string, found an empty value; a lone ~ is YAML for "no value"\n');
    expect(run.stderr).toContain("models.yaml:5:14: models[0].revision: expected a string, found an empty value\n");
  });
});
