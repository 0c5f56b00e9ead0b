/** The mutation check's patterns still find the code they break (bun run mutation runs the check itself). */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { applyEdits, MUTATIONS } from "./mutations.ts";

const ROOT = join(import.meta.dir, "..", "..");

for (const mutation of MUTATIONS) {
  test(`${mutation.name}: every pattern matches exactly once and changes the source`, () => {
    for (const file of new Set(mutation.edits.map((e) => e.file))) {
      const text = readFileSync(join(ROOT, file), "utf8");
      expect(applyEdits(file, text, mutation.edits)).not.toBe(text);
    }
    for (const testFile of mutation.tests) expect(() => readFileSync(join(ROOT, testFile))).not.toThrow();
  });
}

test("a pattern that is gone fails loudly, naming the file and the text", () => {
  const edits = [{ file: "a.ts", find: "writeFileAtomic(path, text)", replace: "x" }];
  expect(() => applyEdits("a.ts", "renamed(path, text)", edits)).toThrow('a.ts: expected "writeFileAtomic(path, text)" exactly once, found it 0 times');
  expect(() => applyEdits("a.ts", "f(); f();", [{ file: "a.ts", find: "f()", replace: "g()" }])).toThrow("found it 2 times");
});

test("mutation names are unique", () => {
  expect(new Set(MUTATIONS.map((m) => m.name)).size).toBe(MUTATIONS.length);
});
