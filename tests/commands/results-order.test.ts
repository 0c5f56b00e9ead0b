import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: ["slow", "quick", "tiny"].map((name) => ({ id: `acme/${name}`, files: { "config.json": json({ name }), "model.safetensors": generated(name === "slow" ? 2 << 20 : 1024) } })),
  });
});
afterAll(() => hub.stop());

const CONFIG = "cache_dir: cache\nverify: sha256\nmodels:\n  - id: slow\n    repo_id: acme/slow\n  - id: quick\n    repo_id: acme/quick\n  - id: tiny\n    repo_id: acme/tiny\n";

test("results on stdout come in configuration order, whatever order the models finish in", async () => {
  const cwd = project(CONFIG);
  // The first model is throttled, so it finishes last.
  hub.inject({ kind: "bandwidth", bytesPerSecond: 4 << 20, repo: "acme/slow", path: "model.safetensors", times: "always" });
  const run = await runAgainst(hub, [], { cwd });
  hub.clearFaults();
  expect(run.code).toBe(0);
  const finished = [...run.stderr.matchAll(/^(\w+): downloaded/gm)].map((match) => match[1]);
  expect(finished.at(-1)).toBe("slow");
  expect(run.stdout).toBe(["slow", "quick", "tiny"].map((id) => `${id}\t${join(cwd, "cache", id)}\n`).join(""));
});
