import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tempDir } from "../helpers/binary.ts";
import { project } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsafePathError } from "../../src/errors.ts";
import {
  indexLockPath,
  indexPath,
  lockPath,
  modelDir,
  partialDir,
  quarantineDir,
  resolveInside,
  safeFileName,
  stateDir,
  tmpDir,
} from "../../src/cache/layout.ts";

let root: string;
let outside: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "mm-layout-"));
  outside = mkdtempSync(join(tmpdir(), "mm-outside-"));
  mkdirSync(join(root, "model", "sub"), { recursive: true });
  symlinkSync(outside, join(root, "model", "escape"));
  symlinkSync(join(root, "model", "sub"), join(root, "model", "inner"));
  symlinkSync("/nonexistent/target", join(root, "model", "dangling"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("cache layout", () => {
  test("paths under a cache dir", () => {
    expect(indexPath("/c")).toBe("/c/model-manager.lock.json");
    expect(stateDir("/c")).toBe("/c/.model-manager");
    expect(indexLockPath("/c")).toBe("/c/.model-manager/index.lock");
    expect(partialDir("/c")).toBe("/c/.model-manager/partial");
    expect(quarantineDir("/c")).toBe("/c/.model-manager/quarantine");
    expect(tmpDir("/c")).toBe("/c/.model-manager/tmp");
    expect(modelDir("/c", { id: "llama", localDir: "org/llama" })).toBe("/c/org/llama");
  });

  test("lock names are single, safe file names", () => {
    expect(lockPath("/c", "org/model")).toBe("/c/.model-manager/locks/org%2Fmodel.lock");
    expect(lockPath("/c", "..")).toBe("/c/.model-manager/locks/%2E..lock");
    expect(lockPath("/c", "index")).not.toBe(indexLockPath("/c"));
    expect(safeFileName("ü b")).toBe("%C3%BC%20b");
    const long = safeFileName("x".repeat(500));
    expect(long.length).toBe(200);
    expect(long).not.toBe(safeFileName(`${"x".repeat(499)}y`));
  });

  test("a local_dir may not overlap model-manager's own files", () => {
    expect(() => modelDir("/c", { id: "m", localDir: ".model-manager/partial" })).toThrow(UnsafePathError);
    expect(() => modelDir("/c", { id: "m", localDir: "model-manager.lock.json" })).toThrow(UnsafePathError);
    expect(() => modelDir("/c", { id: "m", localDir: "../elsewhere" })).toThrow(UnsafePathError);
  });
});

describe("resolveInside", () => {
  test("accepts ordinary repository paths", () => {
    expect(resolveInside("/c", "a/b.safetensors")).toBe("/c/a/b.safetensors");
    expect(resolveInside("/c", ".gitattributes")).toBe("/c/.gitattributes");
    expect(resolveInside("/c", "..weird-but-legal")).toBe("/c/..weird-but-legal");
    expect(resolveInside(root, "model/sub/file")).toBe(join(root, "model/sub/file"));
    expect(resolveInside(root, "model/inner/file")).toBe(join(root, "model/inner/file"));
  });

  const escapes: [string, RegExp][] = [
    ["", /empty/],
    ["..", /"\.\." segment/],
    ["../x", /"\.\." segment/],
    ["a/../../x", /"\.\." segment/],
    ["a/..", /"\.\." segment/],
    ["./a", /"\." segment/],
    ["/etc/passwd", /absolute/],
    ["//server/share", /absolute/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    ["a\\..\\..\\x", /backslash/],
    ["C:/Windows", /drive letter/],
    ["c:x", /drive letter/],
    ["a\0b", /NUL/],
    ["model/escape/x", /symlink to .* outside/],
    ["model/escape", /symlink to .* outside/],
    ["model/dangling", /dangling symlink/],
  ];
  for (const [path, reason] of escapes) {
    test(`refuses ${JSON.stringify(path)}`, () => {
      let error: unknown;
      try {
        resolveInside(root, path, "org/repo");
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(UnsafePathError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain("org/repo");
    });
  }
});

describe("a model folder linked out of the cache (through the binary)", () => {
  test("is refused with the way that works: cache_dir itself on the other disk, or a symlink as cache_dir (exit 1)", async () => {
    const cwd = project("models:\n  - id: q\n    repo_id: acme/q\n");
    const otherDisk = tempDir("mm-other-disk");
    mkdirSync(join(cwd, "models"));
    symlinkSync(otherDisk, join(cwd, "models", "q"));
    const run = await runCli(["-c", "models.yaml"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`"${join(cwd, "models", "q")}" is a symlink to "${otherDisk}", outside "${join(cwd, "models")}"; to keep the models on another disk, point cache_dir (or --cache-dir) there, or make cache_dir itself the symlink`);
    expect(readdirSync(otherDisk)).toEqual([]);
  });
});
