import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExpectedFile } from "../../src/verify/check-file.ts";
import { type VerifyProgress, verifyFiles } from "../../src/verify/verify-files.ts";
import { type FileSpec, MIB, SAMPLE_FILES, writeModel } from "./fixtures/model-files.ts";

let dir: string;
let expected: ExpectedFile[];

const MANY_FILES: FileSpec[] = [
  ...SAMPLE_FILES,
  ...Array.from({ length: 6 }, (_, i) => ({ path: `shards/model-0000${i}.safetensors`, size: (i + 1) * 2 * MIB + i, lfs: true })),
  ...Array.from({ length: 20 }, (_, i) => ({ path: `small/file-${i}.txt`, size: 1000 * i, lfs: false })),
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mm-verify-"));
  expected = writeModel(dir, MANY_FILES);
  // Damage a few: same-size corruption of an LFS shard and of a regular file, a truncation, a deletion, an append.
  const shard = expected.find((file) => file.path === "shards/model-00003.safetensors");
  writeFileSync(join(dir, "shards/model-00003.safetensors"), Buffer.alloc(shard?.size ?? 0));
  writeFileSync(join(dir, "small/file-7.txt"), Buffer.alloc(7000, 1));
  truncateSync(join(dir, "shards/model-00001.safetensors"), 10);
  rmSync(join(dir, "small/file-3.txt"));
  appendFileSync(join(dir, "small/file-5.txt"), "x");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("verifyFiles", () => {
  test("parallel (workers) and sequential (main thread) give the same failures and digests", async () => {
    const sequential = await verifyFiles(dir, expected, "sha256", { concurrency: 1 });
    const warnings: string[] = [];
    const parallel = await verifyFiles(dir, expected, "sha256", { concurrency: 3, mainThreadMaxBytes: 64 * 1024, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(parallel.failures).toEqual(sequential.failures);
    expect(new Map([...parallel.digests].sort())).toEqual(new Map([...sequential.digests].sort()));
    expect(sequential.failures.map((failure) => [failure.path, failure.reason])).toEqual([
      ["shards/model-00001.safetensors", "size"],
      ["shards/model-00003.safetensors", "sha256"],
      ["small/file-3.txt", "missing"],
      ["small/file-5.txt", "size"],
      ["small/file-7.txt", "git-sha1"],
    ]);
    // Every file that was hashed has digests, including the mismatching one.
    expect(sequential.digests.size).toBe(expected.length - 3);
    expect(sequential.digests.get("shards/model-00003.safetensors")?.sha256).toBeDefined();
  });

  test("levels below sha256 only stat, and cannot see a same-size corruption", async () => {
    const bySize = await verifyFiles(dir, expected, "size");
    expect(bySize.failures.map((failure) => failure.path)).toEqual(["shards/model-00001.safetensors", "small/file-3.txt", "small/file-5.txt"]);
    expect(bySize.digests.size).toBe(0);
    const byPresence = await verifyFiles(dir, expected, "none");
    expect(byPresence.failures).toEqual([{ path: "small/file-3.txt", reason: "missing" }]);
  });

  test("progress reaches its totals", async () => {
    const events: VerifyProgress[] = [];
    await verifyFiles(dir, expected, "sha256", { concurrency: 2, mainThreadMaxBytes: 0, onProgress: (p) => events.push(p) });
    const last = events.at(-1);
    expect(last?.filesDone).toBe(expected.length);
    expect(last?.filesTotal).toBe(expected.length);
    expect(last?.bytesDone).toBe(last?.bytesTotal);
    expect(last?.bytesTotal).toBeGreaterThan(40 * MIB);
    const bytesSeen = events.map((event) => event.bytesDone);
    expect(bytesSeen).toEqual([...bytesSeen].sort((a, b) => a - b));
  });

  test("can be aborted; workers are stopped", async () => {
    // Every worker the pool started is terminated, and its thread ends ("close").
    const original = Worker.prototype.terminate;
    const closed: Promise<unknown>[] = [];
    const terminate = spyOn(Worker.prototype, "terminate").mockImplementation(function (this: Worker) {
      closed.push(new Promise((resolve) => this.addEventListener("close", resolve, { once: true })));
      return original.call(this);
    });
    try {
      const controller = new AbortController();
      const run = verifyFiles(dir, expected, "sha256", {
        concurrency: 2,
        mainThreadMaxBytes: 0,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.bytesDone > 0) controller.abort(new Error("stop"));
        },
      });
      await expect(run).rejects.toThrow("stop");
      expect(terminate).toHaveBeenCalledTimes(2);
      await Promise.all(closed);
    } finally {
      terminate.mockRestore();
    }
  });
});
