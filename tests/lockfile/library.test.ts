import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { LockFileError, LockOutOfDateError, loadModelsConfig, ModelManager, openLockSession } from "../../src/index.ts";
import { readHubSettings } from "../../src/hub/settings.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

let hub: LocalHub;

beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/lib", files: { "config.json": json({ lib: 1 }), "model.safetensors": generated(1_100_000, "lib-1") } }] });
});

afterAll(() => hub.stop());

test("the library takes the committed lock as pins: frozen makes no revision or tree request; a missing or stale lock throws the lock errors", async () => {
  const cwd = project("cache_dir: cache\nmodels:\n  - id: lib\n    repo_id: acme/lib\n");
  const config = loadModelsConfig("models.yaml", { cwd });
  expect(() => openLockSession(config, config.models, { lockMode: "frozen" })).toThrow(LockFileError);
  expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);

  hub.resetLog();
  const pins = openLockSession(config, config.models, { lockMode: "frozen" });
  const paths = await new ModelManager(config, { pins, hub: readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: "/nonexistent" }) }).ensureAll();
  expect(paths).toEqual({ lib: join(cwd, "cache", "lib") });
  expectSameBytes(hub, "acme/lib", ["config.json", "model.safetensors"], join(cwd, "cache", "lib"));
  expect(hub.requests.filter((request) => request.route === "api-revision" || request.route === "api-tree")).toHaveLength(0);

  const edited = { ...config, models: config.models.map((model) => ({ ...model, revision: "v2" })) };
  expect(() => openLockSession(edited, edited.models, { lockMode: "locked" })).toThrow(LockOutOfDateError);
});
