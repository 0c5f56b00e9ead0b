import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../src/index.ts";
import { silentLogger } from "../src/output/logger.ts";
import { generated, json, type LocalHub } from "./local-hub/index.ts";
import { tempDir } from "./helpers/binary.ts";
import { expectSameBytes, startHub } from "./helpers/hub-scenario.ts";

const { AccessDeniedError, BadChecksumError, ConfigurationError, DownloadError, MissingModelError, ModelManager, ModelManagerError, NotFoundError } = api;

let hub: LocalHub;
let cwd: string;
let settings: api.HubSettings;

beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: "acme/one", files: { "config.json": json({ one: 1 }), "model.safetensors": generated(200_000) } },
      { id: "acme/two", files: { "config.json": json({ two: 2 }) } },
    ],
  });
  // The way the README gives library users to point at another Hub.
  settings = api.readHubSettings({ HF_ENDPOINT: hub.url, HF_HOME: "/nonexistent" });
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

  test("a spec built by hand needs only id and repoId; the rest takes the configuration file's defaults and rules", async () => {
    const cacheDir = tempDir("mm-api-hand");
    const spec = { id: "hand/made", repoId: "acme/one", files: ["config.json"] };
    const path = await api.downloadModel(spec, cacheDir, { hub: settings });
    expect(path).toBe(join(cacheDir, "hand", "made"));
    expectSameBytes(hub, "acme/one", ["config.json"], path);
    expect(await api.isCached(spec, cacheDir)).toBe(true);
    expect(api.getModelPath(spec, cacheDir)).toBe(path);
    expect(api.getModelPath({ id: "x", repoId: "acme/one", localDir: "a/./b/" }, cacheDir)).toBe(join(cacheDir, "a", "b"));
  });

  test("wrong arguments from JavaScript are UsageErrors naming the function and the argument, before any request or write", async () => {
    const { UsageError } = api;
    const manager = ModelManager.fromConfig("models.yaml", { cwd, hub: settings });
    const spec = manager.getModelSpec("one");
    const cacheDir = tempDir("mm-api-bad");
    const seen = hub.requests.length;
    const untyped = api as unknown as Record<string, (...args: unknown[]) => unknown>;
    const cases: Array<[() => unknown, string]> = [
      [() => untyped.downloadModel?.(spec, cacheDir, { verify: "bogus", hub: settings }), 'downloadModel: options.verify must be one of "none", "size", "sha256", found "bogus"'],
      [() => untyped.downloadModel?.(spec, cacheDir, { layout: "flat", hub: settings }), 'downloadModel: options.layout must be one of "plain", "hf", found "flat"'],
      [() => untyped.downloadModel?.({ id: "x", repo_id: "acme/one" }, cacheDir, { hub: settings }), "downloadModel: spec.repoId: missing required key \"repoId\" (the library's spec is camelCase: repoId)"],
      [() => untyped.downloadModel?.({ id: "x", repoId: "acme/one", localDir: "../out" }, cacheDir, { hub: settings }), "downloadModel: spec.localDir: must stay inside cache_dir"],
      [() => untyped.getModelPath?.({ id: "../up", repoId: "acme/one" }, cacheDir), "getModelPath: spec.id: cannot be the model's folder name (used when localDir is absent): it "],
      [() => untyped.isCached?.({ id: "y".repeat(300), repoId: "acme/one" }, cacheDir), "isCached: spec.id: cannot be the model's folder name (used when localDir is absent): it has a folder name of 300 bytes"],
      [() => untyped.downloadModel?.(spec, undefined, { hub: settings }), "downloadModel: cacheDir must be a non-empty string, found an empty value"],
      [() => untyped.verifyModel?.(join(cwd, "cache", "one"), "sha-256"), 'verifyModel: level must be one of "none", "size", "sha256", found "sha-256" (did you mean "sha256"?)'],
      [() => untyped.verifyModel?.(42, "size"), "verifyModel: path must be a non-empty string, found a number (42)"],
      [() => untyped.isCached?.(undefined, cacheDir), 'isCached: spec must be a model spec object with "id" and "repoId", found an empty value'],
      [() => untyped.getModelPath?.(spec, 42), "getModelPath: cache must be a cache folder or { cacheDir, layout }, found a number (42)"],
      [() => untyped.loadModelsConfig?.(undefined), "loadModelsConfig: path must be a non-empty string"],
      [() => untyped.parseModelsConfig?.(42), "parseModelsConfig: source must be YAML text, found a number (42)"],
      [() => untyped.ensureModels?.(join(cwd, "models.yaml"), 42), "ensureModels: cacheDir must be a non-empty string, found a number (42)"],
      [() => untyped.openLockSession?.(manager.config, manager.config.models, { lockMode: "strict" }), 'openLockSession: lockMode must be one of "update", "locked", "frozen", found "strict"'],
      [() => manager.getModelSpec(undefined as unknown as string), "model id must be a non-empty string, found an empty value"],
      [() => manager.verify(spec, "full" as never), 'verify: level must be one of "none", "size", "sha256", found "full"'],
      [() => manager.plan({ id: "x" } as never), 'plan: spec.repoId: missing required key "repoId"'],
      [() => manager.ensureEach("one" as never), 'ensureEach: specs must be a list of model specs, found a string ("one")'],
      [() => new ModelManager({} as never), "new ModelManager: config must be a configuration { cacheDir, models, verify }"],
      [() => untyped.downloadModel?.(spec, cacheDir, { hub: settings, logger: { info() {} } }), "options.logger must have the methods error, warn, info, debug (console has them); it lacks error, warn, debug"],
      [() => untyped.downloadModel?.(spec, cacheDir, { hub: settings, observer: { modelPlanned() {} } }), "options.observer must have the methods modelPlanned, fileStarted, modelFinished; it lacks fileStarted, modelFinished"],
      [() => untyped.downloadModel?.(spec, cacheDir, { hub: settings, signal: "stop" }), 'options.signal must be an AbortSignal (AbortController\'s signal), found a string ("stop")'],
      [() => untyped.defaultConfigPath?.(42), "defaultConfigPath: env must be environment variables by name, such as process.env, found a number (42)"],
      [() => untyped.defaultConfigPath?.({}, 7), "defaultConfigPath: cwd must be a non-empty string, found a number (7)"],
      [() => untyped.selectFiles?.(), "selectFiles: paths must be a list of strings, found an empty value"],
      [() => untyped.selectFiles?.(["a.json", 3], {}), "selectFiles: paths[1] must be a string, found a number (3)"],
      [() => untyped.selectFiles?.(["a.json"], "*.json"), 'selectFiles: selection must be an options object, found a string ("*.json")'],
      [() => untyped.selectFiles?.(["a.json"], { files: "*.json" }), 'selectFiles: selection.files must be a list of strings, found a string ("*.json")'],
      [() => untyped.lockPathFor?.(), "lockPathFor: configPath must be a non-empty string, found an empty value"],
      [() => untyped.readLock?.(), "readLock: path must be a non-empty string, found an empty value"],
      [() => untyped.buildSbom?.(), "buildSbom: lock must be a lock such as readLock returns"],
      [() => untyped.buildSbom?.({ lockVersion: 1, configDigest: `sha256:${"0".repeat(64)}`, models: [{}] }, { name: "t", version: "1" }), "buildSbom: lock must be a lock such as readLock returns; models[0].id: "],
      [() => untyped.buildSbom?.({ lockVersion: 1, configDigest: `sha256:${"0".repeat(64)}`, models: [] }), "buildSbom: tool must be { name, version }, found an empty value"],
      [() => ModelManager.fromConfig("models.yaml", "strict" as never), 'ModelManager.fromConfig: options must be an options object, found a string ("strict")'],
      [() => ModelManager.fromConfig("models.yaml", { cwd: 5 as never }), "ModelManager.fromConfig: options.cwd must be a non-empty string, found a number (5)"],
      [() => ModelManager.fromConfig("models.yaml", { cwd, cacheDir: ["a"] as never }), "ModelManager.fromConfig: options.cacheDir must be a string, found a list"],
      [() => ModelManager.fromConfig("models.yaml", { cwd, env: "HOME=/x" as never }), 'ModelManager.fromConfig: options.env must be environment variables by name, such as process.env, found a string ("HOME=/x")'],
      [() => ModelManager.fromConfig("models.yaml", { cwd, onWarning: "warn" as never }), 'ModelManager.fromConfig: options.onWarning must be a function, found a string ("warn")'],
      [() => ModelManager.fromConfig("models.yaml", { cwd, hub: settings, refresh: "no" as never }), 'options.refresh must be true or false, found a string ("no")'],
      [() => untyped.ensureModels?.("models.yaml", undefined, { cwd: 5 }), "ensureModels: options.cwd must be a non-empty string, found a number (5)"],
      [() => untyped.loadModelsConfig?.("models.yaml", { cwd: true }), "loadModelsConfig: options.cwd must be a non-empty string, found a boolean (true)"],
      [() => untyped.parseModelsConfig?.("models: []", { sourceName: 5 }), "parseModelsConfig: options.sourceName must be a non-empty string, found a number (5)"],
      [() => new ModelManager(manager.config, 42 as never), "new ModelManager: options must be an options object, found a number (42)"],
      [() => untyped.downloadModel?.(spec, cacheDir, { hub: { offline: true } }), 'options.hub must be complete Hub settings such as readHubSettings({ ...process.env, HF_ENDPOINT: "…" }) returns; its endpoint is an empty value, not a URL'],
    ];
    for (const [call, message] of cases) {
      const error = await (async () => call())().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect(error).toBeInstanceOf(ModelManagerError);
      expect((error as InstanceType<typeof UsageError>).exitCode).toBe(2);
      expect((error as Error).message).toContain(message);
    }
    expect(hub.requests.length).toBe(seen);
    expect(readdirSync(cacheDir)).toEqual([]);
    // null stands for "not given", as JavaScript callers write it.
    expect(() => ModelManager.fromConfig(null as unknown as undefined, { cwd: tempDir("mm-api-null") })).toThrow("config/model_manager/models.yaml: file not found");
  });

  test("two calls on one model at once in one process: one fetches, the other waits for it (saying so) and finds it cached", async () => {
    const cacheDir = tempDir("mm-api-twice");
    const messages: string[] = [];
    const logger = { ...silentLogger, info: (message: string) => messages.push(message) };
    const manager = ModelManager.fromConfig("models.yaml", { cwd, cacheDir, hub: settings, logger });
    const seen = hub.requests.length;
    // Slow enough that the second call finds the first one holding the model's lock.
    hub.setThrottle({ bytesPerSecond: 400_000 });
    try {
      const paths = await Promise.all([manager.ensureModel("one"), manager.ensureModel("one")]);
      expect(paths).toEqual([join(cacheDir, "one"), join(cacheDir, "one")]);
    } finally {
      hub.setThrottle({});
    }
    expect(hub.requests.slice(seen).filter((request) => request.path === "model.safetensors" && request.method === "GET" && request.listener === "cdn")).toHaveLength(1);
    const waits = messages.filter((message) => message.includes("waiting for"));
    expect(waits.length).toBeGreaterThan(0);
    // Never "waiting for process <our own pid>": the wait is on this process's own work.
    for (const wait of waits) expect(wait).toMatch(/^one: waiting for (another call in this process \(working on model one\)|this run to finish working on model one)/);
    for (const wait of waits) expect(wait).not.toContain(`process ${process.pid}`);
  });

  test("ensureEach: a callback that throws rejects the call only once every model is settled, with its error", async () => {
    const cacheDir = tempDir("mm-api-callback");
    const manager = ModelManager.fromConfig("models.yaml", { cwd, cacheDir, hub: settings });
    const seen: string[] = [];
    const error = await manager
      .ensureEach(manager.config.models, (outcome) => {
        seen.push(outcome.id);
        throw new Error(`callback failed on ${outcome.id}`);
      })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(`callback failed on ${seen[0]}`);
    expect(seen.sort()).toEqual(["one", "team/two"]);
    for (const spec of manager.config.models) expect(await api.isCached(spec, cacheDir)).toBe(true);
  });

  test("VERSION is the package's version, and the Hub sees it in the user agent of a library download", async () => {
    const { version } = JSON.parse(readFileSync(join(import.meta.dir, "..", "package.json"), "utf8")) as { version: string };
    expect(api.VERSION).toBe(version);
    const seen = hub.requests.length;
    await api.downloadModel({ id: "agent", repoId: "acme/two" }, tempDir("mm-api-agent"), { hub: settings });
    const agents = new Set(hub.requests.slice(seen).map((request) => request.userAgent?.split(";")[0]));
    expect([...agents]).toEqual([`model-manager/${version}`]);
  });

  test("failures surface as typed errors", async () => {
    const manager = new ModelManager({ cacheDir: tempDir("mm-api-err"), verify: "size", models: [{ id: "x", repoId: "acme/missing", repoType: "model", revision: "main", localDir: "x", exclude: [] }] }, { hub: settings });
    const error = await manager.ensureModel("x").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as InstanceType<typeof NotFoundError>).kind).toBe("repository");
    expect(() => api.loadModelsConfig(join(cwd, "missing.yaml"))).toThrow(ConfigurationError);
  });
});
