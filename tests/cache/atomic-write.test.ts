/**
 * Files other processes read while we write them (the cache index, resume state) are replaced
 * atomically: a reader spinning on the file while several writer processes rewrite it never
 * sees it empty, half-written or missing.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readIndex, updateIndex } from "../../src/cache/index-file.ts";
import { indexPath } from "../../src/cache/layout.ts";
import { readPartialState, writePartialState } from "../../src/transfer/partial-state.ts";
import { Child } from "./fixtures/child.ts";
import { sampleEntry } from "./fixtures/sample-entry.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mm-atomic-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the reader and the writers, lets the writers finish, stops the reader; returns its verdict line. */
async function readWhileWriting(reader: string[], writer: string, writerArgs: (w: number) => string[], stopFile: string): Promise<string> {
  const watcher = Child.start(join(FIXTURES, "torn-reader.ts"), reader);
  const writers = Array.from({ length: 3 }, (_, w) => Child.start(join(FIXTURES, writer), writerArgs(w)));
  await Promise.all([watcher, ...writers].map((child) => child.waitForLine((line) => line === "ready")));
  for (const child of writers) child.send("go");
  expect(await Promise.all(writers.map((child) => child.exited()))).toEqual([0, 0, 0]);
  writeFileSync(stopFile, "");
  const verdict = await watcher.waitForLine((line) => line.startsWith("reads="));
  expect(await watcher.exited()).toBe(0);
  return verdict;
}

test("the cache index rewritten by three processes is never seen half-written by a concurrent reader", async () => {
  // A large index (about 400 entries) makes each rewrite long enough for a reader to land inside it.
  await updateIndex(dir, (index) => {
    for (let i = 0; i < 400; i++) index.models[`base-${i}`] = sampleEntry(`base-${i}`);
  });
  const verdict = await readWhileWriting([dir], "index-writer.ts", (w) => [dir, `w${w}`, "15"], `${indexPath(dir)}.stop`);
  expect(verdict).toMatch(/^reads=\d+ torn=0$/);
  expect(Number(/reads=(\d+)/.exec(verdict)?.[1])).toBeGreaterThan(0);
  const models = Object.keys((await readIndex(dir)).models);
  expect(models.length).toBe(400 + 3 * 15);
}, 60_000);

/**
 * A reader that opened the file before an update and reads it slowly still gets the whole
 * previous version: the update went to a new file renamed over the old one. Written in place,
 * the rest of its read would come from the new content.
 */
async function readAcrossUpdate(path: string, update: () => unknown): Promise<string> {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4096);
    const got = readSync(fd, head, 0, head.length, 0);
    await update();
    const rest = Buffer.alloc(fstatSync(fd).size + (1 << 20));
    const more = readSync(fd, rest, 0, rest.length, got);
    return Buffer.concat([head.subarray(0, got), rest.subarray(0, more)]).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

test("an index update leaves a reader that is halfway through the old index with the whole old index", async () => {
  await updateIndex(dir, (index) => {
    for (let i = 0; i < 100; i++) index.models[`base-${i}`] = sampleEntry(`base-${i}`);
  });
  const before = readFileSync(indexPath(dir), "utf8");
  const seen = await readAcrossUpdate(indexPath(dir), () =>
    updateIndex(dir, (index) => {
      delete index.models["base-0"];
    }),
  );
  expect(seen).toBe(before);
  expect(Object.keys((await readIndex(dir)).models)).not.toContain("base-0");
});

test("a resume-state update leaves a reader that is halfway through the old state with the whole old state", async () => {
  const statePath = join(dir, "model.safetensors.part.json");
  const state = (n: number) => ({
    version: 1 as const,
    repoId: "org/m",
    commit: "a".repeat(40),
    path: "model.safetensors",
    size: 1e9,
    identity: "c".repeat(64),
    done: Array.from({ length: n }, (_, r) => [r * 100, r * 100 + 50] as [number, number]),
  });
  writePartialState(statePath, state(2000));
  const before = readFileSync(statePath, "utf8");
  const seen = await readAcrossUpdate(statePath, () => writePartialState(statePath, state(10)));
  expect(seen).toBe(before);
  expect(readPartialState(statePath)?.done.length).toBe(10);
});
