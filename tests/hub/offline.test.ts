/** HF_HUB_OFFLINE=1: no request leaves the machine, whatever the command needs from the Hub. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { readHubSettings } from "../../src/hub/settings.ts";
import { RunContext } from "../../src/models/context.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/offline", files: { "config.json": json({ a: 1 }) } }] });
});
afterAll(() => hub.stop());

test("lock, which must ask the Hub where revisions point, fails once naming HF_HUB_OFFLINE (exit 2) and sends nothing", async () => {
  const cwd = project("cache_dir: cache\nmodels:\n  - id: m\n    repo_id: acme/offline\n");
  hub.resetLog();
  const run = await runAgainst(hub, ["lock"], { cwd, env: { HF_HUB_OFFLINE: "1" } });
  expect(run.code).toBe(2);
  expect(run.stderr).toContain("error: HF_HUB_OFFLINE is set, but the lock must resolve a model on the Hub");
  expect(hub.requests).toHaveLength(0);
});

test("push of a cached model, which lists the repository on the Hub, is refused once naming HF_HUB_OFFLINE (exit 2); nothing is sent", async () => {
  const cwd = project("cache_dir: cache\nmodels:\n  - id: m\n    repo_id: acme/offline\n");
  expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
  hub.resetLog();
  // No store listens there either: the push must stop before any upload.
  const run = await runAgainst(hub, ["push", "s3://offline-bucket/p"], { cwd, env: { HF_HUB_OFFLINE: "1", S3_ENDPOINT: "http://127.0.0.1:9", S3_ACCESS_KEY_ID: "k", S3_SECRET_ACCESS_KEY: "s" } });
  expect(run.code).toBe(2);
  expect(run.stderr).toBe("error: push reads each model's file list from the Hub and writes to the mirror, but HF_HUB_OFFLINE is set\n");
  expect(hub.requests).toHaveLength(0);
});

test("the Hub client itself refuses every request under HF_HUB_OFFLINE, the backstop behind each command's own check: nothing is sent", async () => {
  hub.resetLog();
  const { api } = new RunContext({ hub: readHubSettings({ HF_ENDPOINT: hub.url, HF_HUB_OFFLINE: "1" }) }).hub;
  const refused = await api.resolveCommit({ repoId: "acme/offline", repoType: "model" }, "main").catch((error: Error) => error);
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toContain("HF_HUB_OFFLINE is set: refusing to contact http://");
  expect(hub.requests).toHaveLength(0);
});
