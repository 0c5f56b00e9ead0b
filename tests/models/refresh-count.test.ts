import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

// What --refresh says it removed counts the model's files deleted upstream, in either layout:
// not the previous snapshot folder and the blobs that went with them (hf).
const FILES = { "config.json": json({ layers: 1 }), "a.txt": "a\n", "sub/b.txt": "b\n", "model.safetensors": generated(100_000) };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/plain", files: FILES }, { id: "acme/hf", files: FILES }] });
});
afterAll(() => hub.stop());

describe("--refresh after upstream deleted 2 files", () => {
  for (const layout of ["plain", "hf"] as const) {
    test(`${layout}: says 2 files were removed, and they are gone`, async () => {
      const repo = `acme/${layout}`;
      const cwd = project(`cache_dir: cache\n${layout === "hf" ? "layout: hf\n" : ""}models:\n  - id: m\n    repo_id: ${repo}\n`);
      const first = await runAgainst(hub, ["--json"], { cwd });
      expect(first.code).toBe(0);
      const before: string = JSON.parse(first.stdout).models[0].path;
      hub.pushCommit({ repo, files: { "config.json": json({ layers: 2 }) }, delete: ["a.txt", "sub/b.txt"] });
      const run = await runAgainst(hub, ["--refresh", "--json"], { cwd });
      expect(run.code).toBe(0);
      const removedLines = run.stderr.split("\n").filter((line) => line.includes("removed"));
      expect(removedLines).toEqual(["m: removed 2 files no longer selected"]);
      const after: string = JSON.parse(run.stdout).models[0].path;
      expect(existsSync(join(after, "a.txt"))).toBe(false);
      expect(existsSync(join(after, "sub", "b.txt"))).toBe(false);
      expect(existsSync(join(after, "model.safetensors"))).toBe(true);
      if (layout === "hf") expect(existsSync(before)).toBe(false);
    });
  }
});
