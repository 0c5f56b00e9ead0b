import { describe, expect, test } from "bun:test";
import { project } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";
import { configError, issueAt, loadText, model, tempDir } from "./helpers.ts";

const dir = tempDir();

describe("model folders must not coincide or nest", () => {
  test("the same local_dir: names both models", () => {
    const error = configError(dir, `models:\n${model("a")}    local_dir: shared\n${model("b")}    local_dir: shared/\n`);
    const issue = issueAt(error, "models[1].local_dir");
    expect(issue.line).toBe(7);
    expect(issue.message).toBe(
      'folder "shared" of model "b" is also the folder of model "a" (models[0], line 2); give each model its own local_dir',
    );
  });

  test("a local_dir equal to another model's id", () => {
    const error = configError(dir, `models:\n${model("a")}${model("b")}    local_dir: a\n`);
    expect(issueAt(error, "models[1].local_dir").message).toContain('is also the folder of model "a"');
  });

  test("a later folder inside an earlier one", () => {
    const error = configError(dir, `models:\n${model("Qwen")}${model("Qwen/Qwen3-0.6B")}`);
    const issue = issueAt(error, "models[1].id");
    expect(issue.line).toBe(4);
    expect(issue.message).toBe(
      'folder "Qwen/Qwen3-0.6B" of model "Qwen/Qwen3-0.6B" is inside folder "Qwen" of model "Qwen" (models[0], line 2); model folders must not nest',
    );
  });

  test("a later folder that contains an earlier one", () => {
    const error = configError(dir, `models:\n${model("a")}    local_dir: x/y/z\n${model("b")}    local_dir: x\n`);
    expect(issueAt(error, "models[1].local_dir").message).toBe(
      'folder "x" of model "b" contains folder "x/y/z" of model "a" (models[0], line 2); model folders must not nest',
    );
  });

  test("folders that differ only in case collide", () => {
    const error = configError(dir, `models:\n${model("Model")}${model("model")}`);
    expect(issueAt(error, "models[1].id").message).toContain(
      '(models[0], line 2) ("Model", the same on the case- and normalization-insensitive file systems of macOS and Windows)',
    );
  });

  test("normalisation is applied before comparing", () => {
    const error = configError(dir, `models:\n${model("a")}    local_dir: p/q\n${model("b")}    local_dir: ./p/x/../q\n`);
    expect(issueAt(error, "models[1].local_dir").message).toContain('folder "p/q" of model "b" is also the folder of model "a"');
  });

  test("each clash is reported once, against the first model involved", () => {
    const error = configError(dir, `models:\n${model("a")}${model("a/b")}${model("a/c")}${model("a/b/d")}`);
    expect(error.issues.map((issue) => issue.path)).toEqual(["models[1].id", "models[2].id", "models[3].id"]);
  });

  test("siblings and names that share a prefix are fine", () => {
    const config = loadText(dir, `models:\n${model("org/a")}${model("org/ab")}${model("org-a")}${model("org/b")}`);
    expect(config.models.map((spec) => spec.localDir)).toEqual(["org/a", "org/ab", "org-a", "org/b"]);
  });

  test("is still checked when other fields are invalid", () => {
    const error = configError(dir, `models:\n${model("a", "bad--repo")}${model("b", "org/b")}    local_dir: a\n`);
    expect(error.issues.map((issue) => issue.path)).toEqual(["models[0].repo_id", "models[1].local_dir"]);
  });
  test("folders that differ only in Unicode normal form collide (the binary refuses them, exit 2)", async () => {
    const cwd = project(`models:\n${model("e\u0301")}${model("\u00e9")}`);
    const run = await runCli(["-c", "models.yaml", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`models.yaml:4:9: models[1].id: folder "\u00e9" of model "\u00e9" is also the folder of model "e\u0301" (models[0], line 2)`);
  });
});
