import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../src/index.ts";
import { readHubSettings } from "../src/hub/settings.ts";
import { silentLogger } from "../src/output/logger.ts";
import { generated, json, type LocalHub } from "./local-hub/index.ts";
import { tempDir } from "./helpers/binary.ts";
import { expectSameBytes, startHub } from "./helpers/hub-scenario.ts";

const { AccessDeniedError, BadChecksumError, ConfigurationError, DownloadError, MissingModelError, ModelManager, ModelManagerError, NotFoundError } = api;

let hub: LocalHub;
let cwd: string;
let settings: ReturnType<typeof readHubSettings>;

beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: "acme/one", files: { "config.json": json({ one: 1 }), "model.safetensors": generated(200_000) } },
      { id: "acme/two", files: { "config.json": json({ two: 2 }) } },
    ],
  });
  settings = readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: "/nonexistent" });
  cwd = tempDir("mm-api");
  writeFileSync(join(cwd, "models.yaml"), "cache_dir: cache\nverify: sha256\nmodels:\n  - id: one\n    repo_id: acme/one\n  - id: team/two\n    repo_id: acme/two\n");
});
afterAll(() => hub.stop());

describe("the library API", () => {
  test("exports the seed's names in camelCase, and the errors", () => {
    for (const name of ["ensureModels", "ModelManager", "isCached", "getModelPath", "downloadModel", "verifyModel", "loadModelsConfig"]) {
      expect(typeof (api as Record<string, unknown>)[name]).toBe("function");
    }
    for (const [error, code, exit] of [
      [new MissingModelError("x"), "MISSING_MODEL", 4],
      [new BadChecksumError("x", []), "BAD_CHECKSUM", 3],
      [new DownloadError("x"), "DOWNLOAD_ERROR", 1],
      [new ConfigurationError("f", []), "CONFIGURATION_ERROR", 2],
      [new NotFoundError("file", "x"), "NOT_FOUND", 4],
      [new AccessDeniedError("x"), "ACCESS_DENIED", 5],
    ] as const) {
      expect(error).toBeInstanceOf(ModelManagerError);
      expect(error.code).toBe(code);
      expect(error.exitCode).toBe(exit);
    }
  });

  test("ModelManager.fromConfig → ensureAll returns id → absolute path; ensureModel and getModelSpec agree", async () => {
    const manager = ModelManager.fromConfig("models.yaml", { cwd, hub: settings });
    expect(manager.config.cacheDir).toBe(join(cwd, "cache"));
    const paths = await manager.ensureAll();
    expect(paths).toEqual({ one: join(cwd, "cache", "one"), "team/two": join(cwd, "cache", "team", "two") });
    expectSameBytes(hub, "acme/one", ["config.json", "model.safetensors"], paths.one as string);
    expect(await manager.ensureModel("team/two")).toBe(join(cwd, "cache", "team", "two"));
    const spec = manager.getModelSpec("one");
    expect(spec.repoId).toBe("acme/one");
    expect(await api.isCached(spec, manager.config.cacheDir)).toBe(true);
    expect(api.getModelPath(spec, manager.config.cacheDir)).toBe(paths.one as string);
    expect(() => manager.getModelSpec("three")).toThrow(MissingModelError);
  });

  test("isCached is false for a spec the cache does not hold, and makes no request", async () => {
    const manager = ModelManager.fromConfig("models.yaml", { cwd, hub: settings });
    hub.resetLog();
    expect(await api.isCached({ ...manager.getModelSpec("one"), revision: "v9" }, manager.config.cacheDir)).toBe(false);
    expect(hub.requests).toHaveLength(0);
  });

  test("isCached reports a corrupt index on the logger it is given, and reads it as empty", async () => {
    const cacheDir = tempDir("mm-api-bad-index");
    writeFileSync(join(cacheDir, "model-manager.lock.json"), "{ not json");
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (message: string) => warnings.push(message) };
    expect(await api.isCached(ModelManager.fromConfig("models.yaml", { cwd, hub: settings }).getModelSpec("one"), cacheDir, { logger })).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(cacheDir);
  });

  test("verifyModel checks a model directory offline; downloadModel fetches a spec into a cache dir", async () => {
    const manager = ModelManager.fromConfig("models.yaml", { cwd, hub: settings });
    await manager.ensureAll();
    const report = await api.verifyModel(join(cwd, "cache", "one"), "sha256");
    expect(report.status).toBe("ok");
    expect(report.id).toBe("one");

    const other = tempDir("mm-api-dl");
    const path = await api.downloadModel(manager.getModelSpec("one"), other, { hub: settings, verify: "sha256" });
    expect(path).toBe(join(other, "one"));
    expectSameBytes(hub, "acme/one", ["model.safetensors"], path);
  });

  test("ensureModels(configPath, cacheDir) downloads everything into the given cache", async () => {
    const cacheDir = tempDir("mm-api-ensure");
    const paths = await api.ensureModels(join(cwd, "models.yaml"), cacheDir, { hub: settings });
    expect(Object.keys(paths).sort()).toEqual(["one", "team/two"]);
    expect(paths.one).toBe(join(cacheDir, "one"));
  });

  test("failures surface as typed errors", async () => {
    const manager = new ModelManager({ cacheDir: tempDir("mm-api-err"), verify: "size", models: [{ id: "x", repoId: "acme/missing", repoType: "model", revision: "main", localDir: "x", exclude: [] }] }, { hub: settings });
    const error = await manager.ensureModel("x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as InstanceType<typeof NotFoundError>).kind).toBe("repository");
    expect(() => api.loadModelsConfig(join(cwd, "missing.yaml"))).toThrow(ConfigurationError);
  });
});
