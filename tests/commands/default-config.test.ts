import { describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { runCli, runOffline } from "../helpers/run-cli.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";

function projectWithDefaults(): string {
  const cwd = tempDir("mm-default");
  mkdirSync(join(cwd, "config", "model_manager"), { recursive: true });
  writeFileSync(join(cwd, "config", "model_manager", "models.yaml"), "models:\n  - id: full-a\n    repo_id: org/a\n  - id: full-b\n    repo_id: org/b\n");
  writeFileSync(join(cwd, "config", "model_manager", "models.minimal.yaml"), "models:\n  - id: minimal-a\n    repo_id: org/a\n");
  return cwd;
}

async function listedIds(cwd: string, env: Record<string, string | undefined>): Promise<string[]> {
  const run = await runCli(["--list", "--json"], { cwd, env });
  expect(run.code).toBe(0);
  return parseJsonOutput(run.stdout, "list").models.map((model) => model.id);
}

describe("default configuration", () => {
  test("is config/model_manager/models.yaml in the working directory", async () => {
    expect(await listedIds(projectWithDefaults(), {})).toEqual(["full-a", "full-b"]);
  });

  for (const value of ["true", "1", "yes", "TRUE", "Yes"]) {
    test(`is models.minimal.yaml when CI_MINIMAL_MODELS=${value}`, async () => {
      expect(await listedIds(projectWithDefaults(), { CI_MINIMAL_MODELS: value })).toEqual(["minimal-a"]);
    });
  }

  for (const value of ["false", "0", "", "no", "minimal"]) {
    test(`stays models.yaml when CI_MINIMAL_MODELS=${JSON.stringify(value)}`, async () => {
      expect(await listedIds(projectWithDefaults(), { CI_MINIMAL_MODELS: value })).toEqual(["full-a", "full-b"]);
    });
  }

  test("--config wins over CI_MINIMAL_MODELS", async () => {
    const cwd = projectWithDefaults();
    const run = await runCli(["--config", "config/model_manager/models.yaml", "--list", "--json"], { cwd, env: { CI_MINIMAL_MODELS: "true" } });
    expect(parseJsonOutput(run.stdout, "list").models).toHaveLength(2);
  });

  test("a missing default configuration says so, with --config, a two-line configuration that works and `add` (exit 2)", async () => {
    const cwd = tempDir("mm-noconfig");
    const run = await runCli(["--list"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toStartWith(`error: ${join(cwd, "config/model_manager/models.yaml")}: no configuration file at the default path.\n`);
    expect(run.stderr).toContain("--config <file>");
    expect(run.stderr).toContain("model-manager add <repo_id>");
    // The configuration it shows is complete as printed.
    const shown = run.stderr.split("\n").filter((line) => line.startsWith("    "));
    expect(shown).toHaveLength(2);
    writeFileSync(join(cwd, "shown.yaml"), `${shown.map((line) => line.slice(4)).join("\n")}\n`);
    const listed = await runCli(["--config", "shown.yaml", "--list", "--json"], { cwd });
    expect(listed.code).toBe(0);
    expect(parseJsonOutput(listed.stdout, "list").models.map((model) => (model.ok ? model.repoId : model.message))).toEqual(["sentence-transformers/all-MiniLM-L6-v2"]);
  });

  test("a missing models.minimal.yaml says CI_MINIMAL_MODELS chose it", async () => {
    const cwd = tempDir("mm-noconfig");
    mkdirSync(join(cwd, "config", "model_manager"), { recursive: true });
    writeFileSync(join(cwd, "config", "model_manager", "models.yaml"), "models:\n  - id: full-a\n    repo_id: org/a\n");
    const run = await runCli(["--list"], { cwd, env: { CI_MINIMAL_MODELS: "Yes" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toStartWith(
      `error: ${join(cwd, "config/model_manager/models.minimal.yaml")}: no configuration file at the default path (CI_MINIMAL_MODELS=Yes picks models.minimal.yaml instead of models.yaml).\n`,
    );
  });

  test("a missing default configuration points at a models.yaml in the folder, and at the project folder above it", async () => {
    const project = projectWithDefaults();
    const sub = join(project, "src", "app");
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(project, "src", "models.yaml"), "models:\n  - id: a\n    repo_id: org/a\n");
    const deep = await runCli(["--list"], { cwd: sub });
    expect(deep.code).toBe(2);
    expect(deep.stderr.split("\n").slice(0, 2)).toEqual([`error: ${join(sub, "config/model_manager/models.yaml")}: no configuration file at the default path.`, `  ${project} has one: run model-manager from there`]);
    const beside = await runCli(["--list"], { cwd: join(project, "src") });
    expect(beside.stderr.split("\n").slice(1, 3)).toEqual(["  This folder has models.yaml: model-manager -c models.yaml", `  ${project} has one: run model-manager from there`]);
    // CI_MINIMAL_MODELS looks for the minimal file above.
    const minimal = await runCli(["--list"], { cwd: sub, env: { CI_MINIMAL_MODELS: "1" } });
    expect(minimal.stderr.split("\n")[1]).toBe(`  ${project} has one: run model-manager from there`);
  });

  test("a missing default configuration is said as such when a folder above has a file named config", async () => {
    const root = tempDir("mm-config-file-above");
    writeFileSync(join(root, "config"), "not a folder\n");
    const sub = join(root, "app");
    mkdirSync(sub);
    const run = await runCli(["--list"], { cwd: sub });
    expect(run.code).toBe(2);
    expect(run.stderr.split("\n")[0]).toBe(`error: ${join(sub, "config/model_manager/models.yaml")}: no configuration file at the default path.`);
    expect(run.stderr).not.toContain("ENOTDIR");
  });

  test("--config naming a missing file is a plain 'file not found'", async () => {
    const cwd = tempDir("mm-noconfig");
    const run = await runCli(["--config", "nope.yaml", "--list"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: nope.yaml: file not found\n");
  });

  test("--config naming a missing file next to a YAML file of a close name suggests it", async () => {
    const cwd = projectWithDefaults();
    const cases: Array<[string, string]> = [
      ["config/model_manager/modles.yaml", "config/model_manager/models.yaml"],
      ["config/model_manager/models.yml", "config/model_manager/models.yaml"],
      [join(cwd, "config/model_manager/models.minimal.yml"), join(cwd, "config/model_manager/models.minimal.yaml")],
    ];
    for (const [typed, meant] of cases) {
      const run = await runCli(["-c", typed, "--list"], { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`error: ${typed}: file not found (did you mean "${meant}"?)\n`);
    }
    // Nothing close: no hint; nor for a folder that does not exist.
    expect((await runCli(["-c", "config/model_manager/other.yaml", "--list"], { cwd })).stderr).toBe("error: config/model_manager/other.yaml: file not found\n");
    expect((await runCli(["-c", "nowhere/models.yaml", "--list"], { cwd })).stderr).toBe("error: nowhere/models.yaml: file not found\n");
  });

  test("--config naming a dangling symlink, a symlink loop or an over-long name says which", async () => {
    const cwd = projectWithDefaults();
    symlinkSync("/nonexistent/models.yaml", join(cwd, "linked.yaml"));
    symlinkSync("loop.yaml", join(cwd, "loop.yaml"));
    const cases: Array<[string, string]> = [
      ["linked.yaml", "error: linked.yaml: file not found: it is a symlink to /nonexistent/models.yaml, which does not exist\n"],
      ["loop.yaml", "error: loop.yaml: cannot be read: it is (or is inside) a symlink loop\n"],
      [`${"a".repeat(300)}.yaml`, `error: ${"a".repeat(300)}.yaml: cannot be read: the path is too long for the filesystem\n`],
    ];
    for (const [typed, message] of cases) {
      const run = await runCli(["-c", typed, "--list"], { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(message);
    }
  });

  test("an invalid configuration exits 2, lists every problem with its line, and downloads nothing", async () => {
    const cwd = tempDir("mm-badconfig");
    writeFileSync(join(cwd, "models.yaml"), "cache_dir: cache\nverify: full\nmodels:\n  - id: a\n    repo: org/a\n  - id: a\n    repo_id: org//b\n");
    const run = await runOffline(cwd, []);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("models.yaml:2:9: verify:");
    expect(run.stderr).toContain('models[0].repo: unknown key "repo"; did you mean "repo_id"?');
    expect(run.stderr).toContain("models[1].id: duplicate id");
    expect(run.stderr).toContain("models[1].repo_id");
    expect(run.stdout).toBe("");
  });
});
