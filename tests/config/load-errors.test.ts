import { describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join } from "node:path";
import { loadModelsConfig } from "../../src/config/load.ts";
import { ConfigurationError } from "../../src/errors.ts";
import { configError, issueAt, model, tempDir } from "./helpers.ts";

const dir = tempDir();

/** Asserts one issue at `path`, on `line`, whose message contains each fragment, and that the text shows it. */
function expectIssue(error: ConfigurationError, path: string, line: number, ...fragments: string[]): void {
  const issue = issueAt(error, path);
  expect(issue.line).toBe(line);
  expect(issue.column).toBeGreaterThan(0);
  for (const fragment of fragments) expect(issue.message).toContain(fragment);
  const shown = `:${line}:${issue.column}: ${path ? `${path}: ` : ""}${issue.message}`;
  expect(error.message).toContain(shown);
}

describe("unknown keys", () => {
  test("in a model, with a did-you-mean hint", () => {
    const error = configError(dir, `models:\n${model("a")}    revison: main\n`);
    expectIssue(error, "models[0].revison", 4, 'unknown key "revison"', 'did you mean "revision"?');
  });

  test("at the top level, with a did-you-mean hint", () => {
    const error = configError(dir, `cache-dir: x\nmodels:\n${model("a")}`);
    expectIssue(error, '["cache-dir"]', 1, 'did you mean "cache_dir"?');
  });

  test("even names that are special in JavaScript", () => {
    const error = configError(dir, `constructor: 1\nmodels:\n${model("a")}    __proto__: {}\n    prototype: 2\n`);
    expect(error.issues.map((issue) => [issue.path, issue.line])).toEqual([
      ["constructor", 1],
      ["models[0].__proto__", 5],
      ["models[0].prototype", 6],
    ]);
  });

  test("with nothing close, lists the allowed keys", () => {
    const error = configError(dir, `models:\n${model("a")}    colour: blue\n`);
    expectIssue(error, "models[0].colour", 4, 'unknown key "colour"', "id, repo_id, revision, repo_type, local_dir, files, exclude, verify");
  });
});

describe("wrong types say what was expected and what was found", () => {
  test("a number where a string belongs, with a quoting hint", () => {
    const error = configError(dir, "models:\n  - id: a\n    repo_id: 42\n");
    expectIssue(error, "models[0].repo_id", 3, "expected a string, found a number (42)", "put it in quotes");
  });

  test("a mapping where the models list belongs", () => {
    const error = configError(dir, "models:\n  a: 1\n");
    expectIssue(error, "models", 2, "expected a list of models, found a mapping");
  });

  test("a string where the files list belongs", () => {
    const error = configError(dir, `models:\n${model("a")}    files: config.json\n`);
    expectIssue(error, "models[0].files", 4, 'expected a list of file paths or patterns, found a string ("config.json")');
  });

  test("a non-string entry in exclude", () => {
    const error = configError(dir, `models:\n${model("a")}    exclude: ["*.bin", true]\n`);
    expectIssue(error, "models[0].exclude[1]", 4, "expected a string, found a boolean (true)");
  });

  test("an empty value", () => {
    const error = configError(dir, `models:\n${model("a")}    revision:\n`);
    expectIssue(error, "models[0].revision", 4, "found an empty value");
  });

  test("a model that is not a mapping", () => {
    const error = configError(dir, `models:\n${model("a")}  - just-a-name\n`);
    expectIssue(error, "models[1]", 4, 'expected a mapping with "id" and "repo_id", found a string ("just-a-name")');
  });

  test("a document that is not a mapping", () => {
    const error = configError(dir, "- id: a\n  repo_id: org/a\n");
    expectIssue(error, "", 1, 'expected a mapping with a "models" list, found a list');
  });
});

describe("missing and empty required values", () => {
  test("a model without repo_id points at the model", () => {
    const error = configError(dir, "models:\n  - id: a\n    revision: main\n");
    expectIssue(error, "models[0].repo_id", 2, 'missing required key "repo_id"');
  });

  test("no models key", () => {
    const error = configError(dir, "cache_dir: models\n");
    expectIssue(error, "models", 1, 'missing required key "models"');
  });

  test("an empty models list", () => {
    const error = configError(dir, "models: []\n");
    expectIssue(error, "models", 1, "must list at least one model");
  });

  test("an empty files list", () => {
    const error = configError(dir, `models:\n${model("a")}    files: []\n`);
    expectIssue(error, "models[0].files", 4, "must list at least one file or pattern", "leave files out");
  });
});

describe("choices", () => {
  test("verify, with a hint", () => {
    const error = configError(dir, `verify: sha265\nmodels:\n${model("a")}`);
    expectIssue(error, "verify", 1, 'expected one of "none", "size", "sha256", found "sha265"', 'did you mean "sha256"?');
  });

  test("repo_type, with a hint", () => {
    const error = configError(dir, `models:\n${model("a")}    repo_type: datasets\n`);
    expectIssue(error, "models[0].repo_type", 4, 'expected one of "model", "dataset", "space"', 'did you mean "dataset"?');
  });

  test("per-model verify", () => {
    const error = configError(dir, `models:\n${model("a")}    verify: 3\n`);
    expectIssue(error, "models[0].verify", 4, 'expected one of "none", "size", "sha256", found a number (3)');
  });
});

describe("ids", () => {
  test("empty", () => {
    const error = configError(dir, 'models:\n  - id: ""\n    repo_id: org/a\n');
    expectIssue(error, "models[0].id", 2, "must not be empty");
  });

  test("with a control character", () => {
    const error = configError(dir, 'models:\n  - id: "a\\tb"\n    repo_id: org/a\n');
    expectIssue(error, "models[0].id", 2, "control characters");
  });

  test("duplicated: names both models", () => {
    const error = configError(dir, `models:\n${model("a")}${model("b")}${model("a", "org/other")}`);
    expectIssue(error, "models[2].id", 6, 'duplicate id "a"', 'model "a" (models[0], line 2)');
    expect(error.issues).toHaveLength(1);
  });

  test("unusable as a folder when local_dir is absent", () => {
    const error = configError(dir, `models:\n${model("../up")}`);
    expectIssue(error, "models[0].id", 2, "cannot be the model's folder name", "inside cache_dir", "set local_dir");
  });
});

describe("repo_id follows the Hub's rule", () => {
  const invalid: [string, string][] = [
    ["a/b/c", 'must be "name" or "org/name"'],
    ["/name", 'must be "name" or "org/name"'],
    ["org/", 'must be "name" or "org/name"'],
    ["org/na me", 'contains " "'],
    ["org/naïve", 'contains "ï"'],
    ["-org/name", '"-org" must not start or end with "-" or "."'],
    ["org/name.", '"name." must not start or end'],
    ["org/a--b", 'must not contain "--" or ".."'],
    ["org/a..b", 'must not contain "--" or ".."'],
    ["org/name.git", 'must not end with ".git"'],
    [`org/${"n".repeat(97)}`, "has 97 characters; the Hub allows at most 96"],
  ];
  for (const [repoId, fragment] of invalid) {
    test(`rejects ${JSON.stringify(repoId.slice(0, 20))}`, () => {
      const error = configError(dir, `models:\n  - id: a\n    repo_id: ${JSON.stringify(repoId)}\n`);
      expectIssue(error, "models[0].repo_id", 3, fragment);
    });
  }
});

describe("revision", () => {
  const invalid: [string, string][] = [
    ["my branch", "whitespace"],
    ["a..b", '".."'],
    ["/main", 'must not start with "/"'],
    ["main/", 'must not end with "/"'],
    ["a\u0001b", "control characters"],
    ["a:b", '":"'],
    ["refs/pr/x", '"refs/pr/" followed by a pull request number'],
    ["topic.lock", '".lock"'],
  ];
  for (const [revision, fragment] of invalid) {
    test(`rejects ${JSON.stringify(revision)}`, () => {
      const error = configError(dir, `models:\n${model("a")}    revision: ${JSON.stringify(revision)}\n`);
      expectIssue(error, "models[0].revision", 4, fragment);
    });
  }
});

describe("local_dir", () => {
  const invalid: [string, string][] = [
    ["/abs/path", "relative to cache_dir"],
    ["C:/models", "relative to cache_dir"],
    ["..", "must stay inside cache_dir"],
    ["a/../../b", "must stay inside cache_dir"],
    ["a//b", "empty path segments"],
    ["a\\b", 'not "\\"'],
    ["a\u0000b", "control characters"],
    [".", "not cache_dir itself"],
    ["", "must not be empty"],
    ["model-manager.lock.json", '"model-manager.lock.json", which model-manager keeps in cache_dir'],
    [".model-manager/x", '".model-manager"'],
    ["Model-Manager.Lock.json", '"model-manager.lock.json"'],
  ];
  for (const [localDir, fragment] of invalid) {
    test(`rejects ${JSON.stringify(localDir)}`, () => {
      const error = configError(dir, `models:\n${model("a")}    local_dir: ${JSON.stringify(localDir)}\n`);
      expectIssue(error, "models[0].local_dir", 4, fragment);
    });
  }
});

describe("files and exclude entries", () => {
  const invalid: [string, string][] = [
    ["/config.json", "not an absolute path"],
    ["C:\\\\x", "not an absolute path"],
    ["../x", '".."'],
    ["a/../b", '".."'],
    ["./config.json", '"." segments'],
    ["", "must not be empty"],
    ["a//b", "empty path segments"],
  ];
  for (const [pattern, fragment] of invalid) {
    test(`rejects files entry ${JSON.stringify(pattern)}`, () => {
      const error = configError(dir, `models:\n${model("a")}    files:\n      - ok.json\n      - ${JSON.stringify(pattern)}\n`);
      expectIssue(error, "models[0].files[1]", 6, fragment);
    });
  }

  test("exclude entries follow the same rules", () => {
    const error = configError(dir, `models:\n${model("a")}    exclude: ["../secret"]\n`);
    expectIssue(error, "models[0].exclude[0]", 4, '".."');
  });
});

describe("YAML problems", () => {
  test("every syntax error, each with line and column", () => {
    const error = configError(dir, 'models:\n  - id: a\n    repo_id: org/a\n    files: {a: 1\nverify: [none\ncache_dir: "x\n');
    expect(error.issues.map((issue) => [issue.line, issue.column])).toEqual([
      [5, 1],
      [6, 1],
      [7, 1],
    ]);
    for (const issue of error.issues) expect(issue.message).toStartWith("YAML syntax error: ");
    expect(error.message).toContain(':7:1: YAML syntax error: Missing closing "quote');
  });

  test("a tab used as indentation", () => {
    const error = configError(dir, "models:\n\t- id: a\n");
    expectIssue(error, "", 2, "YAML syntax error", "Tabs");
  });

  test("a duplicate key", () => {
    const error = configError(dir, `models:\n${model("a")}    revision: main\n    revision: dev\n`);
    expectIssue(error, "models[0].revision", 5, 'duplicate key "revision" (first given on line 4)');
  });

  test("a duplicate top-level key", () => {
    const error = configError(dir, `verify: size\nmodels:\n${model("a")}verify: none\n`);
    expectIssue(error, "verify", 5, 'duplicate key "verify" (first given on line 1)');
  });

  test("more than one document", () => {
    const error = configError(dir, `models:\n${model("a")}---\nmodels: []\n`);
    expectIssue(error, "", 4, "more than one YAML document");
  });

  test("an alias without an anchor", () => {
    const error = configError(dir, `models:\n${model("a")}    files: *shared\n`);
    expectIssue(error, "models[0].files", 4, 'unknown alias "*shared"');
  });

  test("only comments", () => {
    const error = configError(dir, "# nothing here yet\n");
    expect(error.message).toContain(": has no content, only comments");
  });
});

describe("the file itself", () => {
  const expectPlainMessage = (error: ConfigurationError, path: string, text: string): void => {
    expect(error.message).toBe(`${path}: ${text}`);
  };

  test("missing", () => {
    const { loadError, path } = loadMissing("does-not-exist.yaml");
    expectPlainMessage(loadError, path, "file not found");
  });

  test("missing because a parent is a file", () => {
    const file = writeFileIn("plain.txt", "x");
    const { loadError, path } = loadMissing(`${basename(file)}/models.yaml`);
    expectPlainMessage(loadError, path, "file not found (part of the path is a file, not a folder)");
  });

  test("a directory", () => {
    const { loadError, path } = loadMissing(".");
    expectPlainMessage(loadError, path, "is a directory, not a configuration file");
  });

  test("empty", () => {
    const file = writeFileIn("empty.yaml", "");
    expectPlainMessage(loadAt(file), file, "the file is empty");
  });

  test("whitespace only", () => {
    const file = writeFileIn("blank.yaml", "  \n\t\n");
    expectPlainMessage(loadAt(file), file, "the file contains only whitespace");
  });

  test("not UTF-8", () => {
    const file = writeFileIn("latin1.yaml", Buffer.from([0x6d, 0x3a, 0x20, 0xe9, 0x0a]));
    expectPlainMessage(loadAt(file), file, "is not UTF-8 text: line 1, column 4 has the byte 0xE9; save it as UTF-8");
  });

  test("unreadable: a socket", async () => {
    const socketPath = join(dir, "config.sock");
    const server = createServer();
    await new Promise<void>((done) => server.listen(socketPath, done));
    try {
      const error = loadAt(socketPath);
      expect(error.message).toStartWith(`${socketPath}: cannot be read: `);
    } finally {
      server.close();
    }
  });

  test.skipIf(process.getuid?.() === 0)("unreadable: no permission (skipped when run as root, who can read any file)", () => {
    const file = writeFileIn("locked.yaml", "models: []\n");
    chmodSync(file, 0o000);
    expectPlainMessage(loadAt(file), file, "cannot be read: permission denied");
  });
});

test("an empty cacheDir option is reported with the file's problems", () => {
  const file = writeFileIn("with-option.yaml", "models: []\n");
  const error = loadAt(file, { cacheDir: " " });
  expect(error.issues.map((issue) => issue.path)).toEqual(["cacheDir option", "models"]);
  expect(error.message).toContain("cacheDir option: must not be empty");
});

function writeFileIn(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function loadAt(path: string, options: { cacheDir?: string } = {}): ConfigurationError {
  try {
    loadModelsConfig(path, { cwd: dir, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

function loadMissing(relative: string): { loadError: ConfigurationError; path: string } {
  return { loadError: loadAt(relative), path: relative };
}
