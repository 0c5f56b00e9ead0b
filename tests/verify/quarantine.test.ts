import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { quarantineDir } from "../../src/cache/layout.ts";
import { quarantine } from "../../src/verify/quarantine.ts";

let cacheDir: string;

beforeEach(() => {
  cacheDir = mkdtempSync(join(tmpdir(), "mm-quarantine-"));
  mkdirSync(join(cacheDir, "org/model/onnx"), { recursive: true });
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

test("moves a bad copy under quarantine/<model>/<timestamp>-<path>, keeping its bytes", async () => {
  const source = join(cacheDir, "org/model/onnx/model.onnx");
  writeFileSync(source, "bad bytes");
  const destination = await quarantine(cacheDir, "org/model", "onnx/model.onnx", source);
  expect(existsSync(source)).toBe(false);
  expect(readFileSync(destination, "utf8")).toBe("bad bytes");
  expect(dirname(destination)).toBe(join(quarantineDir(cacheDir), "org%2Fmodel"));
  expect(basename(destination)).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-onnx%2Fmodel\.onnx$/);
});

test("never overwrites an earlier quarantined copy", async () => {
  const destinations = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const source = join(cacheDir, "org/model/config.json");
    writeFileSync(source, `copy ${i}`);
    destinations.add(await quarantine(cacheDir, "m", "config.json", source));
  }
  expect(destinations.size).toBe(5);
  expect([...destinations].map((path) => readFileSync(path, "utf8")).sort()).toEqual(["copy 0", "copy 1", "copy 2", "copy 3", "copy 4"]);
});
