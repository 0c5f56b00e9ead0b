import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";

/** A 32 MiB filesystem for the cache: too small for the download plus the 256 MiB headroom. */
function mountSmallFilesystem(at: string): string | undefined {
  mkdirSync(at, { recursive: true });
  const result = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", at], { stderr: "pipe" });
  return result.success ? undefined : `cannot mount a tmpfs (${result.stderr.toString().trim() || "not root?"})`;
}

const cwd = project("cache_dir: small/cache\nmodels:\n  - id: m\n    repo_id: acme/roomy\n");
const skip = process.platform === "linux" ? mountSmallFilesystem(join(cwd, "small")) : "tmpfs needs Linux";
if (skip) console.warn(`SKIP disk space tests: ${skip}`);

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/roomy", files: { "config.json": json({}), "model.safetensors": generated(2_000_000) } }] });
});
afterAll(async () => {
  if (!skip) Bun.spawnSync(["umount", join(cwd, "small")]);
  await hub.stop();
});

describe.skipIf(skip !== undefined)(mustRunOnCI("disk space"), () => {
  test("a download the disk cannot hold fails before any byte is fetched, saying how much is missing", async () => {
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Not enough disk space for model "m": it needs 1.9 MiB (plus 256 MiB headroom)');
    expect(run.stderr).toContain("MODEL_MANAGER_SKIP_SPACE_CHECK=1");
    expect(hub.requests.filter((request) => request.listener === "cdn")).toHaveLength(0);
    expect(existsSync(join(cwd, "small", "cache", "m"))).toBe(false);
  });

  test("MODEL_MANAGER_SKIP_SPACE_CHECK=1 lets it try", async () => {
    const run = await runAgainst(hub, ["-q"], { cwd, env: { MODEL_MANAGER_SKIP_SPACE_CHECK: "1" } });
    expect(run.code).toBe(0);
    expect(readdirSync(join(cwd, "small", "cache", "m")).sort()).toEqual(["config.json", "model.safetensors"]);
  });
});
