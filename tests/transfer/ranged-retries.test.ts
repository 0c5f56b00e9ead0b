import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

const REPO = "acme/large";
const BIG = "model.safetensors";
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;
/** Small ranges so that a 4 MiB file takes the parallel ranged path. */
const RANGED = { MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "1MiB", MODEL_MANAGER_CONNECTIONS_PER_FILE: "4" };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { "config.json": json({ a: 1 }), [BIG]: generated(4 * 1024 * 1024 + 7) } }] });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

async function downloadsIntact(env: Record<string, string> = RANGED) {
  const cwd = project(CONFIG);
  const run = await runAgainst(hub, ["-q"], { cwd, env });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  expectSameBytes(hub, REPO, ["config.json", BIG], join(cwd, "cache", "m"));
}

const resolvesOfBig = () => hub.requests.filter((request) => request.route === "resolve" && request.path === BIG);

describe("the request that locates a large file is retried like every other", () => {
  test("a 503 on its first /resolve/ is retried", async () => {
    hub.inject({ kind: "status", status: 503, route: "resolve", path: BIG });
    await downloadsIntact();
    expect(resolvesOfBig()[0]?.status).toBe(503);
  });

  test("a 429 with Retry-After on its first /resolve/ is waited out and retried", async () => {
    hub.inject({ kind: "rate-limit", retryAfterSeconds: 1, route: "resolve", path: BIG });
    await downloadsIntact();
    expect(resolvesOfBig()[0]?.status).toBe(429);
    expect(resolvesOfBig().length).toBeGreaterThanOrEqual(2);
  });

  test("a connection reset on its first /resolve/ is retried", async () => {
    // Twice: Bun itself retries a request once when a reused keep-alive connection is reset.
    hub.inject({ kind: "reset", route: "resolve", path: BIG, times: 2 });
    await downloadsIntact();
    expect(resolvesOfBig()[0]?.faults).toContain("reset");
  });

  test("a /resolve/ that keeps failing ends with an error naming the file", async () => {
    hub.inject({ kind: "status", status: 503, route: "resolve", path: BIG, times: "always" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd, env: { ...RANGED, MODEL_MANAGER_MAX_ATTEMPTS: "3" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Failed to download "${BIG}" from ${REPO}`);
    expect(run.stderr).toContain("HTTP 503");
    expect(resolvesOfBig()).toHaveLength(3);
  });
});

describe("a server that ignores Range", () => {
  test("a connection dropped during the one-stream fallback restarts the file from byte 0", async () => {
    hub.inject({ kind: "ignore-range", host: "cdn", path: BIG, times: "always" });
    hub.inject({ kind: "drop", afterBytes: 1_500_000, host: "cdn", path: BIG, times: 2 });
    await downloadsIntact();
  });

  test("a connection that keeps dropping ends with a message saying the server cannot resume", async () => {
    hub.inject({ kind: "ignore-range", host: "cdn", path: BIG, times: "always" });
    hub.inject({ kind: "drop", afterBytes: 1_000_000, host: "cdn", path: BIG, times: "always" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd, env: { ...RANGED, MODEL_MANAGER_MAX_ATTEMPTS: "2" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Failed to download "${BIG}" from ${REPO}: the connection broke 2 times and the server cannot resume`);
    expect(run.stderr).toContain("the server ignored a Range request");
    expect(existsSync(join(cwd, "cache", "m", BIG))).toBe(false);
  });
});
