/**
 * In a `bun build --compile` binary the hash worker must be an extra entrypoint
 * of the build; without it verification still works, on the main thread, with a warning.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExpectedFile } from "../../src/verify/check-file.ts";
import { MIB, writeModel } from "./fixtures/model-files.ts";

const repo = join(import.meta.dir, "..", "..");
let dir: string;
let files: ExpectedFile[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mm-compiled-"));
  files = writeModel(join(dir, "model"), [
    { path: "a.bin", size: 3 * MIB, lfs: false },
    { path: "b.bin", size: 2 * MIB, lfs: false },
    { path: "config.json", text: "{}\n", lfs: false },
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function buildAndRun(entrypoints: string[], name: string): Promise<{ failures: unknown[]; digests: Record<string, { gitSha1: string }>; warnings: string[]; main: string }> {
  const outfile = join(dir, name);
  const build = await Bun.build({
    entrypoints,
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false },
    minify: true,
    bytecode: true,
    format: "esm",
  });
  expect(build.success).toBe(true);
  const args = files.map((file) => `${file.path}=${file.path === "b.bin" ? "0".repeat(40) : file.oid}`);
  const run = Bun.spawnSync([outfile, join(dir, "model"), ...args], { cwd: dir });
  expect(run.stderr.toString()).toBe("");
  return JSON.parse(run.stdout.toString());
}

describe("verifyFiles in a compiled binary", () => {
  const entry = join(repo, "tests/verify/fixtures/verify-cli.ts");
  const worker = join(repo, "src/verify/hash-worker.ts");

  test("hashes on workers when hash-worker.ts is an extra entrypoint", async () => {
    const result = await buildAndRun([entry, worker], "with-worker");
    expect(result.main).toStartWith("file:///$bunfs/");
    expect(result.warnings).toEqual([]);
    expect(result.failures).toEqual([{ path: "b.bin", reason: "git-sha1", expected: "0".repeat(40), actual: files[1]?.oid }]);
    expect(result.digests["a.bin"]?.gitSha1).toBe(files[0]?.oid ?? "");
  }, 20_000);

  test("falls back to the main thread, with a warning, when the build forgot it", async () => {
    const result = await buildAndRun([entry], "without-worker");
    expect(result.warnings.length).toBe(1);
    expect(result.warnings[0]).toContain("must be a build entrypoint");
    expect(result.failures.length).toBe(1);
    expect(result.digests["a.bin"]?.gitSha1).toBe(files[0]?.oid ?? "");
  }, 20_000);
});
