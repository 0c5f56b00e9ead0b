import { describe, expect, test } from "bun:test";
import { isGlob, matchesPattern, selectFiles } from "../../src/config/patterns.ts";

describe("matchesPattern follows Python fnmatchcase as the Hub client uses it", () => {
  const cases: [pattern: string, path: string, expected: boolean][] = [
    // `*` matches anything, "/" included
    ["*.json", "config.json", true],
    ["*.json", "sub/dir/config.json", true],
    ["data/*.json", "data/sub/x.json", true],
    ["*", "a/b/c", true],
    ["*.json", "config.json.bak", false],
    // `**` is just two stars
    ["**/*.json", "a/b.json", true],
    ["**/*.json", "b.json", false],
    ["**.json", "b.json", true],
    // `?` is exactly one character, "/" included
    ["model-?.bin", "model-1.bin", true],
    ["model-?.bin", "model-10.bin", false],
    ["a?b", "a/b", true],
    // sets
    ["model-[0-9].bin", "model-7.bin", true],
    ["model-[0-9].bin", "model-x.bin", false],
    ["[!a]*", "b.txt", true],
    ["[!a]*", "a.txt", false],
    ["[]]", "]", true],
    ["[!]]", "x", true],
    ["[a-]", "-", true],
    ["[z-a]x", "zx", false],
    ["[^a]", "^", true],
    ["[^a]", "b", false],
    ["[abc", "[abc", true],
    // regex characters are literal
    ["a.b", "axb", false],
    ["a+(b)|{c}$", "a+(b)|{c}$", true],
    ["*.json", ".json", true],
    // case-sensitive
    ["*.JSON", "config.json", false],
    ["Config.json", "config.json", false],
    // trailing "/" means everything under the folder
    ["onnx/", "onnx/model.onnx", true],
    ["onnx/", "onnx/deep/model.onnx", true],
    ["onnx/", "onnx", false],
    ["onnx/", "onnx2/model.onnx", false],
    // backslashes count as "/"
    ["onnx\\*", "onnx/model.onnx", true],
    ["onnx\\", "onnx/model.onnx", true],
    ["onnx/*", "onnx\\model.onnx", true],
    // exact paths
    ["config.json", "config.json", true],
    ["config.json", "sub/config.json", false],
    // non-ASCII counts as one character
    ["?.txt", "é.txt", true],
    ["?.txt", "😀.txt", true],
  ];
  for (const [pattern, path, expected] of cases) {
    test(`${JSON.stringify(pattern)} ${expected ? "matches" : "does not match"} ${JSON.stringify(path)}`, () => {
      expect(matchesPattern(path, pattern)).toBe(expected);
    });
  }
});

describe("selectFiles", () => {
  const paths = [
    ".gitattributes",
    "README.md",
    "config.json",
    "model.safetensors",
    "model.onnx",
    "onnx/model.onnx",
    "onnx/model_quantized.onnx",
    "tokenizer.json",
    "1_Pooling/config.json",
  ];

  test("without files: everything except exclude", () => {
    expect(selectFiles(paths, { exclude: ["*.onnx", "*.md"] })).toEqual({
      selected: [".gitattributes", "config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json"],
      unmatched: [],
    });
  });

  test("without files or exclude: everything", () => {
    expect(selectFiles(paths, {}).selected).toEqual(paths);
  });

  test("files keep input order, then exclude removes", () => {
    expect(selectFiles(paths, { files: ["*.json", "onnx/"], exclude: ["*quantized*"] })).toEqual({
      selected: ["config.json", "onnx/model.onnx", "tokenizer.json", "1_Pooling/config.json"],
      unmatched: [],
    });
  });

  test("each files entry that matched nothing is reported, in files order", () => {
    const result = selectFiles(paths, { files: ["config.json", "confg.json", "*.bin", "tokenizer.json"] });
    expect(result.selected).toEqual(["config.json", "tokenizer.json"]);
    expect(result.unmatched).toEqual(["confg.json", "*.bin"]);
  });

  test("an entry that matched only excluded paths is not unmatched", () => {
    expect(selectFiles(paths, { files: ["model.onnx"], exclude: ["*.onnx"] })).toEqual({ selected: [], unmatched: [] });
  });

  test("an empty repository leaves every files entry unmatched", () => {
    expect(selectFiles([], { files: ["a", "b*"] })).toEqual({ selected: [], unmatched: ["a", "b*"] });
  });

  test("returns the paths as given, even with backslashes", () => {
    expect(selectFiles(["dir\\file.txt"], { files: ["dir/"] }).selected).toEqual(["dir\\file.txt"]);
  });

  // Exponential backtracking would not finish within the test timeout; the speed itself is not asserted here.
  test("selects exactly the right paths among thousands, with thousands of patterns", () => {
    const many = Array.from({ length: 3000 }, (_, index) => `shard-${index % 7}/part-${index}.safetensors`);
    const files = Array.from({ length: 50 }, (_, index) => `shard-${index % 7}/part-${index}*`);
    const exclude = ["*.onnx", "*.h5", "*a*a*a*a*a*a*a*a*a*b", "shard-3/*"];
    const result = selectFiles(many, { files, exclude });
    expect(result.unmatched).toEqual([]);
    // The same rule spelled with regular expressions: shard-(i % 7)/part-i followed by anything, not in shard-3.
    const wanted = many.filter((path) => files.some((pattern) => new RegExp(`^${pattern.replace("*", ".*")}$`).test(path)) && !path.startsWith("shard-3/"));
    expect(wanted.length).toBeGreaterThan(50);
    expect([...result.selected].sort()).toEqual(wanted.sort());
  });

  test("many stars cannot backtrack exponentially (5000 characters, 11 stars: finishes, no match)", () => {
    expect(matchesPattern("a".repeat(5000), "*a*a*a*a*a*a*a*a*a*a*b")).toBe(false);
    expect(matchesPattern(`${"a".repeat(5000)}b`, "*a*a*a*a*a*a*a*a*a*a*b")).toBe(true);
  });
});

test("isGlob tells patterns from exact paths", () => {
  expect(["*.json", "model-?.bin", "[ab].txt", "onnx/", "onnx\\"].map(isGlob)).toEqual([true, true, true, true, true]);
  expect(["config.json", "sub/dir/file.txt"].map(isGlob)).toEqual([false, false]);
});
