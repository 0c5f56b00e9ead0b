/** HF_HUB_OFFLINE=1: no request leaves the machine, whatever the command needs from the Hub. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/offline", files: { "config.json": json({ a: 1 }) } }] });
});
afterAll(() => hub.stop());

test("lock, which must ask the Hub where revisions point, fails naming HF_HUB_OFFLINE and sends nothing", async () => {
  const cwd = project("cache_dir: cache\nmodels:\n  - id: m\n    repo_id: acme/offline\n");
  hub.resetLog();
  const run = await runAgainst(hub, ["lock"], { cwd, env: { HF_HUB_OFFLINE: "1" } });
  expect(run.code).toBe(1);
  expect(run.stderr).toContain("m: HF_HUB_OFFLINE is set: refusing to contact http://");
  expect(hub.requests).toHaveLength(0);
});
