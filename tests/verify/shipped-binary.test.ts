/**
 * The binary `bun run build` makes (build.ts, as shipped) must carry its hash worker: without the
 * worker entrypoint `--verify-only` still passes, hashing everything on the main thread, so only
 * this test notices. tests/verify/compiled.test.ts covers the mechanism with hand-made builds.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { availableParallelism } from "node:os";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

const REPO = "acme/verified";
// Larger than the 8 MiB that --verify-only hashes on the main thread anyway.
const FILES = { "config.json": json({ a: 1 }), "model.safetensors": generated(9 * 1024 * 1024 + 17) };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());

// With one CPU --verify-only starts no worker at all, so there is nothing to check.
test.skipIf(availableParallelism() < 2)("the built binary's --verify-only hashes a 9 MiB file on a worker, not on the main thread", async () => {
  const cwd = project(`cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`);
  const download = await runAgainst(hub, ["-q"], { cwd });
  expect(download.code).toBe(0);
  hub.resetLog();
  const verify = await runAgainst(hub, ["--verify-only", "-v"], { cwd, env: { HF_HUB_OFFLINE: "1" } });
  expect(verify.code).toBe(0);
  expect(verify.stderr).not.toContain("main thread");
  expect(verify.stderr).not.toContain("worker script is not available");
  expect(hub.requests).toHaveLength(0);
});
