/**
 * The compiled binary must hash large downloads on a worker thread. The main
 * thread fallback keeps a download correct when no worker runs, so without
 * this check a build that broke the worker would only be slower.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

const REPO = "acme/hashed";
const FILES = { "config.json": json({ a: 1 }), "model.safetensors": generated(3 * 1024 * 1024 + 5), "tokenizer.json": generated(2 * 1024 * 1024, "tok") };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());

for (const [how, env] of [
  ["streamed", {}],
  ["in parallel ranges", { MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "512KiB" }],
] as const) {
  test(`the compiled binary hashes files of 1 MiB and more on a worker (${how})`, async () => {
    const cwd = project(`cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`);
    const run = await runAgainst(hub, ["-v"], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("GET ");
    expect(run.stderr).not.toContain("hashing on the main thread");
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
  });
}
