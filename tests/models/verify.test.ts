import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { mountSmallFilesystem } from "../helpers/small-filesystem.ts";

const cwd = project("cache_dir: small/cache\nmodels:\n  - id: m\n    repo_id: acme/m\n");
const skip = process.platform === "linux" ? mountSmallFilesystem(join(cwd, "small"), 16) : "tmpfs needs Linux";
if (skip) console.warn(`SKIP full-disk verify tests: ${skip}`);

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/m", files: { "config.json": json({ a: 1 }), "model.safetensors": generated(2_000_000) } }] });
});
afterAll(async () => {
  if (!skip) Bun.spawnSync(["umount", join(cwd, "small")]);
  await hub.stop();
});

describe.skipIf(skip !== undefined)(mustRunOnCI("verify on a full disk"), () => {
  test("--verify-only on a full disk still checks every file, warns once that the index was not updated, exit 0", async () => {
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const index = join(cwd, "small", "cache", "model-manager.lock.json");
    const before = readFileSync(index, "utf8");
    const filler = join(cwd, "small", "filler");
    try {
      // Fill what is left, block by block, until the filesystem refuses.
      const block = new Uint8Array(64 * 1024);
      for (let i = 0; ; i++) {
        try {
          writeFileSync(filler, block, { flag: i === 0 ? "w" : "a" });
        } catch {
          break;
        }
      }
      const run = await runAgainst(hub, ["--verify-only", "--verify", "sha256"], { cwd });
      expect(run.stderr).not.toContain("unexpected failure");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("OK          m (2 files");
      const warning = `warning: the index of ${join(cwd, "small", "cache")} could not be updated (no space left on device)`;
      expect(run.stderr.split("\n").filter((line) => line.startsWith(warning))).toHaveLength(1);
      expect(readFileSync(index, "utf8")).toBe(before);
    } finally {
      rmSync(filler, { force: true });
    }
  });
});
