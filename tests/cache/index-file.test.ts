import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IndexWarning, readIndex, updateIndex } from "../../src/cache/index-file.ts";
import { emptyIndex, serializeIndex } from "../../src/cache/index-schema.ts";
import { INDEX_FILE_NAME, indexPath } from "../../src/cache/layout.ts";
import { Child } from "./fixtures/child.ts";
import { sampleEntry } from "./fixtures/sample-entry.ts";

let cacheDir: string;

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "mm-index-"));
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

function cacheFiles(): string[] {
  return readdirSync(cacheDir).sort();
}

describe("readIndex", () => {
  test("a missing index (even a missing cache dir) reads as empty, silently, creating nothing", async () => {
    const warnings: IndexWarning[] = [];
    const missingDir = join(cacheDir, "not-yet");
    expect(await readIndex(missingDir, { onWarning: (warning) => warnings.push(warning) })).toEqual(emptyIndex());
    expect(warnings).toEqual([]);
    expect(existsSync(missingDir)).toBe(false);
  });

  const badIndexes: [string, string, IndexWarning["reason"], string][] = [
    ["corrupt JSON", "{ this is not json", "corrupt", "corrupt-"],
    ["a truncated file", `${serializeIndex({ version: 1, models: { a: sampleEntry("a") } }).slice(0, 120)}`, "corrupt", "corrupt-"],
    ["an empty file", "", "corrupt", "corrupt-"],
    ["a newer version", JSON.stringify({ version: 2, models: {}, shinyNewThing: true }), "newer-version", "newer-"],
    ["a schema-invalid entry", JSON.stringify({ version: 1, models: { a: { ...sampleEntry("a"), commit: "main" } } }), "invalid", "corrupt-"],
    ["an entry with an escaping path", JSON.stringify({ version: 1, models: { a: { ...sampleEntry("a"), localDir: "../../etc" } } }), "invalid", "corrupt-"],
    ["a non-object document", "[1, 2, 3]", "invalid", "corrupt-"],
  ];
  for (const [what, content, reason, prefix] of badIndexes) {
    test(`${what}: warns, moves it aside, reads as empty`, async () => {
      writeFileSync(indexPath(cacheDir), content);
      const warnings: IndexWarning[] = [];
      const index = await readIndex(cacheDir, { onWarning: (warning) => warnings.push(warning) });
      expect(index).toEqual(emptyIndex());
      expect(warnings.length).toBe(1);
      expect(warnings[0]?.reason).toBe(reason);
      const movedTo = warnings[0]?.movedTo ?? "";
      expect(movedTo.startsWith(`${indexPath(cacheDir)}.${prefix}`)).toBe(true);
      expect(readFileSync(movedTo, "utf8")).toBe(content);
      expect(existsSync(indexPath(cacheDir))).toBe(false);
      expect(warnings[0]?.message).toContain(movedTo);
    });
  }

  test("an unreadable index is reported and moved aside, not thrown", async () => {
    mkdirSync(indexPath(cacheDir));
    const warnings: IndexWarning[] = [];
    expect(await readIndex(cacheDir, { onWarning: (warning) => warnings.push(warning) })).toEqual(emptyIndex());
    expect(warnings.map((warning) => warning.reason)).toEqual(["unreadable"]);
    expect(existsSync(indexPath(cacheDir))).toBe(false);
  });

  test("when it cannot even be moved aside, it still warns and reads as empty", async () => {
    writeFileSync(indexPath(cacheDir), "garbage");
    writeFileSync(join(cacheDir, ".model-manager"), "a file where the state directory should be");
    const warnings: IndexWarning[] = [];
    expect(await readIndex(cacheDir, { onWarning: (warning) => warnings.push(warning) })).toEqual(emptyIndex());
    expect(warnings.length).toBe(1);
    expect(warnings[0]?.message).toContain("could not be moved aside");
    expect(warnings[0]?.movedTo).toBeUndefined();
  });

  test("two readers of the same corrupt index move it aside once", async () => {
    writeFileSync(indexPath(cacheDir), "{");
    const warnings: IndexWarning[] = [];
    await Promise.all([readIndex(cacheDir, { onWarning: (w) => warnings.push(w) }), readIndex(cacheDir, { onWarning: (w) => warnings.push(w) })]);
    expect(warnings.length).toBe(1);
    expect(cacheFiles().filter((name) => name.includes(".corrupt-")).length).toBe(1);
  });
});

describe("readIndex, read again in the same process", () => {
  test("sees what another writer changed in between, and a good index replacing a corrupt one", async () => {
    writeFileSync(indexPath(cacheDir), serializeIndex({ version: 1, models: { a: sampleEntry("a") } }));
    expect(Object.keys((await readIndex(cacheDir)).models)).toEqual(["a"]);
    writeFileSync(indexPath(cacheDir), serializeIndex({ version: 1, models: { a: sampleEntry("a"), b: sampleEntry("b") } }));
    expect(Object.keys((await readIndex(cacheDir)).models)).toEqual(["a", "b"]);
    writeFileSync(indexPath(cacheDir), "{ corrupt");
    expect(await readIndex(cacheDir, { onWarning: () => {} })).toEqual(emptyIndex());
  });

  test("an index read twice cannot be changed by a caller: changes go through updateIndex", async () => {
    writeFileSync(indexPath(cacheDir), serializeIndex({ version: 1, models: { a: sampleEntry("a") } }));
    await readIndex(cacheDir);
    const again = await readIndex(cacheDir);
    expect(() => {
      delete (again.models as Record<string, unknown>).a;
    }).toThrow();
    const updated = await updateIndex(cacheDir, (index) => {
      delete index.models.a;
    });
    expect(updated.models).toEqual({});
    expect((await readIndex(cacheDir)).models).toEqual({});
  });
});

describe("updateIndex", () => {
  test("writes a stable, pretty document that reads back identically", async () => {
    await updateIndex(cacheDir, (index) => {
      index.models.zeta = sampleEntry("zeta");
      index.models.alpha = { ...sampleEntry("alpha"), files: [...sampleEntry("alpha").files].reverse() };
    });
    const text = readFileSync(indexPath(cacheDir), "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(Object.keys(JSON.parse(text).models)).toEqual(["alpha", "zeta"]);
    expect(JSON.parse(text).models.alpha.files.map((file: { path: string }) => file.path)).toEqual(["config.json", "model.safetensors"]);
    expect(text).toContain('{\n  "version": 1,\n  "models": {\n    "alpha": {\n      "repoId": "org/alpha",\n      "repoType": "model",');
    const read = await readIndex(cacheDir);
    expect(serializeIndex(read)).toBe(text);
  });

  test("keeps fields it does not know (written by a later release of the same version)", async () => {
    const entry = { ...sampleEntry("a"), futureField: { x: 1 } };
    writeFileSync(indexPath(cacheDir), JSON.stringify({ version: 1, models: { a: entry } }));
    await updateIndex(cacheDir, (index) => {
      index.models.b = sampleEntry("b");
    });
    expect(JSON.parse(readFileSync(indexPath(cacheDir), "utf8")).models.a.futureField).toEqual({ x: 1 });
  });

  test("leaves no temp files, and does not rewrite an unchanged index", async () => {
    await updateIndex(cacheDir, (index) => {
      index.models.a = sampleEntry("a");
    });
    expect(cacheFiles()).toEqual([".model-manager", INDEX_FILE_NAME]);
    expect(readdirSync(join(cacheDir, ".model-manager"))).toEqual([]);
    const before = statSync(indexPath(cacheDir));
    await updateIndex(cacheDir, () => undefined);
    const after = statSync(indexPath(cacheDir));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  test("writes nothing when the mutation throws, and refuses to write an invalid index", async () => {
    await updateIndex(cacheDir, (index) => {
      index.models.a = sampleEntry("a");
    });
    const before = readFileSync(indexPath(cacheDir), "utf8");
    await expect(
      updateIndex(cacheDir, () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(
      updateIndex(cacheDir, (index) => {
        index.models.b = { ...sampleEntry("b"), commit: "not-a-commit" };
      }),
    ).rejects.toThrow(/invalid index[\s\S]*models\.b\.commit/);
    expect(readFileSync(indexPath(cacheDir), "utf8")).toBe(before);
    expect(cacheFiles()).toEqual([".model-manager", INDEX_FILE_NAME]);
  });

  test("starts from empty over a corrupt index, keeping the bad one aside", async () => {
    writeFileSync(indexPath(cacheDir), "{");
    const warnings: IndexWarning[] = [];
    await updateIndex(
      cacheDir,
      (index) => {
        index.models.a = sampleEntry("a");
      },
      { onWarning: (warning) => warnings.push(warning) },
    );
    expect(warnings.map((warning) => warning.reason)).toEqual(["corrupt"]);
    expect(Object.keys((await readIndex(cacheDir)).models)).toEqual(["a"]);
  });

  test("concurrent processes doing read-modify-write lose no update", async () => {
    const writers = 6;
    const perWriter = 15;
    const script = join(import.meta.dir, "fixtures", "index-writer.ts");
    const children = Array.from({ length: writers }, (_, w) => Child.start(script, [cacheDir, `w${w}`, String(perWriter)]));
    await Promise.all(children.map((child) => child.waitForLine((line) => line === "ready")));
    for (const child of children) child.send("go");
    expect(await Promise.all(children.map((child) => child.exited()))).toEqual(Array(writers).fill(0));
    const index = await readIndex(cacheDir);
    const expected = Array.from({ length: writers }, (_, w) => Array.from({ length: perWriter }, (_, i) => `w${w}-${i}`)).flat();
    expect(Object.keys(index.models).sort()).toEqual(expected.sort());
    expect(cacheFiles()).toEqual([".model-manager", INDEX_FILE_NAME]);
  }, 20_000);
});
