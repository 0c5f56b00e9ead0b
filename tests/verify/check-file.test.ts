import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, openSync, readSync, rmSync, truncateSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VerifyLevel } from "../../src/config/types.ts";
import { UnsafePathError } from "../../src/errors.ts";
import { checkFile, type ExpectedFile } from "../../src/verify/check-file.ts";
import { hashFile } from "../../src/verify/hash-file.ts";
import { gitHashObject, SAMPLE_FILES, sha256sum, writeModel } from "./fixtures/model-files.ts";

let dir: string;
let expected: ExpectedFile[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mm-check-"));
  expected = writeModel(dir, SAMPLE_FILES);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(path: string): ExpectedFile {
  const found = expected.find((item) => item.path === path);
  if (!found) throw new Error(`no sample file ${path}`);
  return found;
}

function flipByte(path: string, offset: number): void {
  const fd = openSync(join(dir, path), "r+");
  const byte = new Uint8Array(1);
  readSync(fd, byte, 0, 1, offset);
  byte[0] = (byte[0] ?? 0) ^ 0x01;
  writeSync(fd, byte, 0, 1, offset);
  closeSync(fd);
}

describe("hashFile", () => {
  test("git blob SHA-1 equals `git hash-object` and sha256 equals `sha256sum`, across chunk boundaries", async () => {
    for (const item of expected) {
      const path = join(dir, item.path);
      const digests = await hashFile(path, { sha256: true, gitSha1: true });
      expect(digests.bytes).toBe(item.size);
      expect(digests.gitSha1).toBe(gitHashObject(path));
      expect(digests.sha256).toBe(sha256sum(path));
    }
  });

  test("the empty blob has git's well-known id", async () => {
    expect((await hashFile(join(dir, "empty.txt"), { sha256: false, gitSha1: true })).gitSha1).toBe("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
  });
});

describe("checkFile", () => {
  const levels: VerifyLevel[] = ["none", "size", "sha256"];

  test("intact files pass at every level; sha256 returns the digests to record", async () => {
    for (const level of levels) {
      for (const item of expected) expect((await checkFile(dir, item, level)).failure).toBeUndefined();
    }
    const config = await checkFile(dir, file("config.json"), "sha256");
    expect(config.digests?.sha256).toBe(sha256sum(join(dir, "config.json")));
    expect(config.digests?.gitSha1).toBe(file("config.json").oid);
    expect((await checkFile(dir, file("config.json"), "size")).digests).toBeUndefined();
  });

  test("a flipped byte: caught at sha256 (git-sha1 for regular files, sha256 for LFS), NOT at size or none", async () => {
    flipByte("model.safetensors", 5 * 1024 * 1024);
    flipByte("config.json", 3);
    for (const level of ["none", "size"] as const) {
      expect((await checkFile(dir, file("model.safetensors"), level)).failure).toBeUndefined();
      expect((await checkFile(dir, file("config.json"), level)).failure).toBeUndefined();
    }
    const lfs = await checkFile(dir, file("model.safetensors"), "sha256");
    expect(lfs.failure).toMatchObject({ path: "model.safetensors", reason: "sha256", expected: file("model.safetensors").sha256 });
    expect(lfs.failure?.actual).toBe(sha256sum(join(dir, "model.safetensors")));
    const regular = await checkFile(dir, file("config.json"), "sha256");
    expect(regular.failure).toMatchObject({ path: "config.json", reason: "git-sha1", expected: file("config.json").oid, actual: gitHashObject(join(dir, "config.json")) });
  });

  test("a truncated file: caught at size and sha256, not at none (present is all none asks)", async () => {
    for (const path of ["model.safetensors", "tokenizer/tokenizer.json"]) {
      truncateSync(join(dir, path), file(path).size - 1);
      expect((await checkFile(dir, file(path), "none")).failure).toBeUndefined();
      for (const level of ["size", "sha256"] as const) {
        expect((await checkFile(dir, file(path), level)).failure).toEqual({ path, reason: "size", expected: file(path).size, actual: file(path).size - 1 });
      }
    }
  });

  test("a missing file is missing, a directory in its place is not a regular file, at every level", async () => {
    rmSync(join(dir, "config.json"));
    rmSync(join(dir, "tokenizer/tokenizer.json"));
    mkdirSync(join(dir, "tokenizer/tokenizer.json"));
    for (const level of levels) {
      expect((await checkFile(dir, file("config.json"), level)).failure).toEqual({ path: "config.json", reason: "missing" });
      expect((await checkFile(dir, file("tokenizer/tokenizer.json"), level)).failure).toEqual({ path: "tokenizer/tokenizer.json", reason: "not-a-file", actual: "a folder" });
    }
  });

  test("refuses unsafe paths and LFS files without a sha256", async () => {
    await expect(checkFile(dir, { ...file("config.json"), path: "../config.json" }, "none")).rejects.toBeInstanceOf(UnsafePathError);
    const { sha256: _, ...withoutSha } = file("model.safetensors");
    await expect(checkFile(dir, withoutSha, "sha256")).rejects.toThrow(/needs its expected sha256/);
  });
});
