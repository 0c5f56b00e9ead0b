import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadModelsConfig, parseModelsConfig } from "../../src/config/load.ts";
import { DEFAULT_EXCLUDE } from "../../src/config/types.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { configError, loadText, model, tempDir, writeConfig } from "./helpers.ts";

const dir = tempDir();

describe("defaults", () => {
  test("fill every optional field", () => {
    const config = loadText(dir, `models:\n${model("a", "org/a")}`);
    expect(config.cacheDir).toBe(join(dir, "models"));
    expect(config.verify).toBe("size");
    expect(config.models).toEqual([
      { id: "a", repoId: "org/a", repoType: "model", revision: "main", localDir: "a", exclude: [...DEFAULT_EXCLUDE] },
    ]);
    expect(config.models[0]?.files).toBeUndefined();
    expect(config.models[0]?.verify).toBeUndefined();
  });

  test("keep values that are given", () => {
    const config = loadText(
      dir,
      [
        "cache_dir: /srv/cache",
        "verify: sha256",
        "models:",
        "  - id: Qwen/Qwen3-0.6B",
        "    repo_id: Qwen/Qwen3-0.6B",
        "    revision: refs/pr/12",
        "    repo_type: dataset",
        "    local_dir: qwen/",
        "    files: ['*.json', 'weights\\model.safetensors']",
        "    exclude: ['*.bin']",
        "    verify: none",
        "",
      ].join("\n"),
    );
    expect(config.cacheDir).toBe("/srv/cache");
    expect(config.verify).toBe("sha256");
    expect(config.models[0]).toEqual({
      id: "Qwen/Qwen3-0.6B",
      repoId: "Qwen/Qwen3-0.6B",
      repoType: "dataset",
      revision: "refs/pr/12",
      localDir: "qwen",
      files: ["*.json", "weights/model.safetensors"],
      exclude: ["*.bin"],
      verify: "none",
    });
  });

  test("exclude is empty when files is given and exclude is not", () => {
    const config = loadText(dir, `models:\n${model("a")}    files: [config.json]\n`);
    expect(config.models[0]?.exclude).toEqual([]);
  });

  test("exclude: [] excludes nothing", () => {
    const config = loadText(dir, `models:\n${model("a")}    exclude: []\n`);
    expect(config.models[0]?.exclude).toEqual([]);
    expect(config.models[0]?.files).toBeUndefined();
  });

  test("revision accepts branches, tags, commits and pull requests", () => {
    const revisions = ["main", "v1.0", "feature/new-head", "0123456789abcdef0123456789abcdef01234567", "refs/pr/3"];
    const entries = revisions.map((revision, index) => model(`m${index}`, `org/m${index}`, `    revision: "${revision}"\n`));
    const config = loadText(dir, `models:\n${entries.join("")}`);
    expect(config.models.map((spec) => spec.revision)).toEqual(revisions);
  });

  test("repo_id accepts a bare name and the Hub's characters", () => {
    const config = loadText(dir, `models:\n${model("a", "gpt2")}${model("b", "Org_1/Foo-BAR_foo.bar123")}`);
    expect(config.models.map((spec) => spec.repoId)).toEqual(["gpt2", "Org_1/Foo-BAR_foo.bar123"]);
  });
});

describe("cache directory", () => {
  const file = writeConfig(dir, `cache_dir: cache/models\nmodels:\n${model("a")}`, "relative-cache.yaml");

  test("a relative cache_dir resolves against the working directory", () => {
    expect(loadModelsConfig(file, { cwd: "/work/elsewhere" }).cacheDir).toBe("/work/elsewhere/cache/models");
  });

  test("the working directory defaults to process.cwd()", () => {
    expect(loadModelsConfig(file).cacheDir).toBe(join(process.cwd(), "cache/models"));
  });

  test("the cacheDir option overrides cache_dir, relative to the working directory", () => {
    expect(loadModelsConfig(file, { cwd: "/w", cacheDir: "other" }).cacheDir).toBe("/w/other");
    expect(loadModelsConfig(file, { cwd: "/w", cacheDir: "/abs/cache" }).cacheDir).toBe("/abs/cache");
  });

  test("a relative config path resolves against the working directory too", () => {
    const config = loadModelsConfig("relative-cache.yaml", { cwd: dir });
    expect(config.path).toBe(file);
  });
});

describe("local_dir normalisation", () => {
  const cases: [string, string][] = [
    ["plain", "plain"],
    ["org/name", "org/name"],
    ["./org/name", "org/name"],
    ["org/./name/", "org/name"],
    ["org/x/../name", "org/name"],
  ];
  for (const [given, expected] of cases) {
    test(`${JSON.stringify(given)} becomes ${JSON.stringify(expected)}`, () => {
      const config = loadText(dir, `models:\n${model("a")}    local_dir: ${JSON.stringify(given)}\n`);
      expect(config.models[0]?.localDir).toBe(expected);
    });
  }

  test("defaults to the id, slashes and all", () => {
    expect(loadText(dir, `models:\n${model("Qwen/Qwen3-0.6B")}`).models[0]?.localDir).toBe("Qwen/Qwen3-0.6B");
  });
});

describe("many problems are reported at once", () => {
  const text = [
    "verify: full", // 1
    "models:", // 2
    "  - id: a", // 3
    "    repo_id: org/a", // 4
    "    revison: v2", // 5
    "  - id: b", // 6
    "    repo_id: org//b", // 7
    "    local_dir: /abs", // 8
    "  - id: a", // 9
    "    repo_id: org/c", // 10
    "    files: []", // 11
    "",
  ].join("\n");

  test("every issue, in file order, with its place", () => {
    const error = configError(dir, text);
    expect(error.issues.map((issue) => [issue.path, issue.line, issue.column])).toEqual([
      ["verify", 1, 9],
      ["models[0].revison", 5, 5],
      ["models[1].repo_id", 7, 14],
      ["models[1].local_dir", 8, 16],
      ["models[2].id", 9, 9],
      ["models[2].files", 11, 12],
    ]);
  });

  test("the message lists them all", () => {
    try {
      parseModelsConfig(text, { sourceName: "models.yaml" });
      throw new Error("expected a ConfigurationError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).message).toBe(
        [
          "Invalid configuration (6 problems):",
          '  models.yaml:1:9: verify: expected one of "none", "size", "sha256", found "full"',
          '  models.yaml:5:5: models[0].revison: unknown key "revison"; did you mean "revision"?',
          '  models.yaml:7:14: models[1].repo_id: must be "name" or "org/name", found "org//b"',
          "  models.yaml:8:16: models[1].local_dir: must be relative to cache_dir, not an absolute path",
          '  models.yaml:9:9: models[2].id: duplicate id "a"; model "a" (models[0], line 3) already uses it',
          "  models.yaml:11:12: models[2].files: must list at least one file or pattern; leave files out to download every file",
        ].join("\n"),
      );
    }
  });
});

describe("parseModelsConfig", () => {
  test("reads YAML text without a file", () => {
    const config = parseModelsConfig(`models:\n${model("a")}`, { cwd: "/base" });
    expect(config.path).toBeUndefined();
    expect(config.cacheDir).toBe("/base/models");
  });

  test("names the source in errors", () => {
    expect(() => parseModelsConfig("", { sourceName: "inline" })).toThrow("inline: is empty");
  });

  test("YAML merge keys work as in the seed's PyYAML", () => {
    const text = "base: &base\n  repo_id: org/shared\nmodels:\n  - <<: *base\n    id: a\n";
    expect(() => parseModelsConfig(text)).toThrow('unknown key "base"');
    const config = parseModelsConfig("models:\n  - &first {id: a, repo_id: org/a}\n  - <<: *first\n    id: b\n    local_dir: b\n");
    expect(config.models.map((spec) => [spec.id, spec.repoId])).toEqual([
      ["a", "org/a"],
      ["b", "org/a"],
    ]);
  });
});
