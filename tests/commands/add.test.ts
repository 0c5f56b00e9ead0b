/** `model-manager add`: appends a model to the configuration, through the compiled binary. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runCli } from "../helpers/run-cli.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

const COMMENTED = `# Models for the app.   (comments, blank lines, quoting and indentation must survive)
cache_dir: cache
verify: sha256

models:
- id: first            # the encoder
  repo_id: 'acme/first'
  files: ["*.json"]

# a comment between entries
- id: second
  repo_id: acme/second
# trailing comment
`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [{ id: "acme/encoder", files: { "config.json": json({ a: 1 }), "model.safetensors": generated(300_000), "model.onnx": generated(1000) } }],
  });
});
afterAll(() => hub.stop());

const read = (cwd: string, path = "models.yaml") => readFileSync(join(cwd, path), "utf8");

describe("model-manager add", () => {
  test("appends the entry after the last model, keeping every byte of the file around it, and the next run downloads it", async () => {
    const cwd = project(COMMENTED);
    const run = await runCli(["add", "acme/encoder@main", "--files", "config.json", "*.safetensors", "-c", "models.yaml"], { cwd });
    expect(run.stderr).toBe('added "encoder" (acme/encoder@main) to models.yaml; run model-manager -c models.yaml to download it\n');
    expect(run.code).toBe(0);
    const [head, tail] = COMMENTED.split("# trailing comment\n") as [string, string];
    expect(read(cwd)).toBe(`${head}- id: encoder\n  repo_id: acme/encoder\n  revision: main\n  files:\n    - config.json\n    - "*.safetensors"\n# trailing comment\n${tail}`);

    const download = await runAgainst(hub, ["--model", "encoder"], { cwd });
    expect(download.code).toBe(0);
    expectSameBytes(hub, "acme/encoder", ["config.json", "model.safetensors"], join(cwd, "cache", "encoder"));
  });

  test("--id defaults to the repository name; --exclude alone writes exclude: [] and keeps what the defaults would drop", async () => {
    const cwd = project("cache_dir: cache\nmodels:\n  - id: other\n    repo_id: acme/other\n");
    const run = await runCli(["add", "acme/encoder", "--exclude", "--local-dir", "enc/v1", "--config", "models.yaml"], { cwd });
    expect(run.code).toBe(0);
    expect(read(cwd)).toBe("cache_dir: cache\nmodels:\n  - id: other\n    repo_id: acme/other\n  - id: encoder\n    repo_id: acme/encoder\n    local_dir: enc/v1\n    exclude: []\n");
    const download = await runAgainst(hub, ["--model", "encoder"], { cwd });
    expect(download.code).toBe(0);
    expect(existsSync(join(cwd, "cache", "enc", "v1", "model.onnx"))).toBe(true);
  });

  test("options before the word are add's own: -q -c FILE add org/name; --config add is a file, not the command", async () => {
    const cwd = project("cache_dir: cache\nmodels:\n  - id: other\n    repo_id: acme/other\n");
    const run = await runCli(["-q", "-c", "models.yaml", "add", "acme/encoder", "--files", "config.json"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(read(cwd)).toBe("cache_dir: cache\nmodels:\n  - id: other\n    repo_id: acme/other\n  - id: encoder\n    repo_id: acme/encoder\n    files:\n      - config.json\n");
    const global = await runCli(["--json", "add", "acme/other2"], { cwd });
    expect(global.code).toBe(2);
    expect(global.stderr).toContain("add: unknown option --json");
    const named = await runCli(["--config", "add", "--list"], { cwd });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain("add: file not found");
  });

  test("without a configuration file it creates the default one, then adds to it", async () => {
    const cwd = tempDir("mm-add-new");
    const first = await runCli(["add", "sentence-transformers/all-MiniLM-L12-v2"], { cwd });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("to config/model_manager/models.yaml (new file)");
    const second = await runCli(["add", "Qwen/Qwen3-0.6B", "--id", "Qwen/Qwen3-0.6B", "-q"], { cwd });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe("");
    expect(read(cwd, "config/model_manager/models.yaml")).toBe(
      "models:\n  - id: all-MiniLM-L12-v2\n    repo_id: sentence-transformers/all-MiniLM-L12-v2\n  - id: Qwen/Qwen3-0.6B\n    repo_id: Qwen/Qwen3-0.6B\n",
    );
    const listed = await runCli(["--list"], { cwd });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("Qwen/Qwen3-0.6B@main");
  });

  test("refuses a duplicate id and an entry the normal rules reject, writing nothing (exit 2)", async () => {
    const cwd = project(COMMENTED);
    const duplicate = await runCli(["add", "acme/elsewhere", "--id", "second", "-c", "models.yaml"], { cwd });
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toBe('error: models.yaml already has a model "second" (acme/second@main); choose another id with --id\n');
    const badRepo = await runCli(["add", "acme/bad name", "-c", "models.yaml"], { cwd });
    expect(badRepo.code).toBe(2);
    expect(badRepo.stderr).toContain('cannot add "bad name" to models.yaml, nothing was written');
    expect(badRepo.stderr).toContain("models[2].repo_id:");
    const escape = await runCli(["add", "acme/x", "--local-dir", "../outside", "-c", "models.yaml"], { cwd });
    expect(escape.code).toBe(2);
    expect(escape.stderr).toContain("models[2].local_dir: must stay inside cache_dir");
    const sameFolder = await runCli(["add", "acme/x", "--local-dir", "first", "-c", "models.yaml"], { cwd });
    expect(sameFolder.code).toBe(2);
    expect(read(cwd)).toBe(COMMENTED);
  });

  test("refuses to add to a configuration that is already invalid, naming its problem", async () => {
    const cwd = project("models:\n  - id: a\n    repo_id: acme/a\n    revison: main\n");
    const run = await runCli(["add", "acme/b", "-c", "models.yaml"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('models.yaml:4:5: models[0].revison: unknown key "revison"');
    expect(read(cwd)).toBe("models:\n  - id: a\n    repo_id: acme/a\n    revison: main\n");
  });

  test("usage errors: no repository, two repositories, an unknown flag, --files without a pattern; add --help", async () => {
    const cwd = project(COMMENTED);
    const cases: Array<[string[], string]> = [
      [["add"], "add needs a repository id"],
      [["add", "a/b", "c/d"], "add takes one repository id, got a/b, c/d"],
      [["add", "a/b", "--file", "x"], "unknown option --file (did you mean --files?)"],
      [["add", "a/b", "--files"], "--files needs at least one pattern"],
      [["add", "a/b@"], 'has an empty revision after "@"'],
      // A page address pasted from the browser: the message gives the id in it.
      [["add", "https://huggingface.co/acme/encoder/tree/main"], 'repo_id: must be "name" or "org/name", found "https://huggingface.co/acme/encoder/tree/main"; the repository of that address is "acme/encoder"'],
      [["add", "hf.co/datasets/acme/corpus"], 'the repository of that address is "acme/corpus" (with repo_type: dataset)'],
    ];
    for (const [args, message] of cases) {
      const run = await runCli([...args, "-c", "models.yaml"], { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
    expect(read(cwd)).toBe(COMMENTED);
    const help = await runCli(["add", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("model-manager add <repo_id>[@revision] [options]");
    expect(help.stdout).toContain("--exclude [pattern…]");
    const main = await runCli(["--help"]);
    expect(main.stdout).toContain("$ model-manager add <repo_id>[@revision]");
    // --version answers after add as after every other command word.
    for (const flag of ["--version", "-V"]) {
      const version = await runCli(["add", "acme/x", flag, "-c", "models.yaml"], { cwd });
      expect(version.code).toBe(0);
      expect(version.stdout).toBe((await runCli(["lock", "--version"])).stdout);
      expect(version.stdout).toMatch(/^model-manager \d/);
    }
    expect(read(cwd)).toBe(COMMENTED);
  });

  test("an empty or comments-only file gets its first model under its comments; a folder is refused by name", async () => {
    const cwd = project("");
    expect((await runCli(["add", "acme/a", "-c", "models.yaml"], { cwd })).code).toBe(0);
    expect(read(cwd)).toBe("models:\n  - id: a\n    repo_id: acme/a\n");
    writeFileSync(join(cwd, "models.yaml"), "# models for the app\n\n");
    expect((await runCli(["add", "acme/a", "-c", "models.yaml"], { cwd })).code).toBe(0);
    expect(read(cwd)).toBe("# models for the app\n\nmodels:\n  - id: a\n    repo_id: acme/a\n");
    const folder = await runCli(["add", "acme/a", "-c", "."], { cwd });
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain("is a directory, not a configuration file");
  });

  test("keeps CRLF line endings", async () => {
    const cwd = project("models:\r\n  - id: a\r\n    repo_id: acme/a\r\n");
    writeFileSync(join(cwd, "models.yaml"), "models:\r\n  - id: a\r\n    repo_id: acme/a\r\n");
    const run = await runCli(["add", "acme/b", "-c", "models.yaml"], { cwd });
    expect(run.code).toBe(0);
    expect(read(cwd)).toBe("models:\r\n  - id: a\r\n    repo_id: acme/a\r\n  - id: b\r\n    repo_id: acme/b\r\n");
  });
  test("a file that starts with a byte order mark keeps it", async () => {
    const cwd = project("");
    writeFileSync(join(cwd, "models.yaml"), "\uFEFFmodels:\r\n  - id: a\r\n    repo_id: acme/a\r\n");
    const run = await runCli(["add", "acme/b", "-c", "models.yaml"], { cwd });
    expect(run.code).toBe(0);
    expect(readFileSync(join(cwd, "models.yaml"), "utf8")).toBe("\uFEFFmodels:\r\n  - id: a\r\n    repo_id: acme/a\r\n  - id: b\r\n    repo_id: acme/b\r\n");
  });

  test("a placeholder models: [] gets its first model (its other keys and comments stay)", async () => {
    const cwd = project("# the app's models\ncache_dir: cache\nmodels: []\n");
    const run = await runCli(["add", "acme/a", "-c", "models.yaml"], { cwd });
    expect(run.stderr).toBe('added "a" (acme/a) to models.yaml; run model-manager -c models.yaml to download it\n');
    expect(run.code).toBe(0);
    expect(read(cwd)).toBe("# the app's models\ncache_dir: cache\nmodels:\n  - id: a\n    repo_id: acme/a\n");
    const invalid = project("cache_dir: cache\nmodels: []\nverfy: size\n");
    const refused = await runCli(["add", "acme/a", "-c", "models.yaml"], { cwd: invalid });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('unknown key "verfy"');
    expect(read(invalid)).toBe("cache_dir: cache\nmodels: []\nverfy: size\n");
  });
  test("a configuration that is a symlink is updated where it points, and stays a link", async () => {
    const cwd = project("");
    mkdirSync(join(cwd, "dotfiles"));
    writeFileSync(join(cwd, "dotfiles", "models.yaml"), "models:\n  - id: a\n    repo_id: acme/a\n");
    rmSync(join(cwd, "models.yaml"));
    symlinkSync(join("dotfiles", "models.yaml"), join(cwd, "models.yaml"));
    const run = await runCli(["add", "acme/b", "-c", "models.yaml"], { cwd });
    expect(run.code).toBe(0);
    expect(lstatSync(join(cwd, "models.yaml")).isSymbolicLink()).toBe(true);
    expect(read(cwd, "dotfiles/models.yaml")).toBe("models:\n  - id: a\n    repo_id: acme/a\n  - id: b\n    repo_id: acme/b\n");
  });
});
