import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { generated, type LocalHub } from "../local-hub/index.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

// A body that trickles never stalls: below MODEL_MANAGER_MIN_SPEED for a whole stall timeout
// (HF_HUB_DOWNLOAD_TIMEOUT), it is cut and retried like a stall, then fails naming the URL and the rate.
const REPO = "acme/trickle";
const BIG = "model.safetensors";
const SMALL = "tokenizer.bin";
const config = (file: string) => `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${REPO}\n    files: [${file}]\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { [BIG]: generated(1_000_000), [SMALL]: generated(160_000, "small") } }] });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.resetLog();
  hub.clearFaults();
});

const cdnGets = (path: string) => hub.requests.filter((request) => request.listener === "cdn" && request.path === path && request.method === "GET");

describe("a file body slower than the floor", () => {
  test("is cut after one stall timeout, retried like a stall, then fails with SERVER_TOO_SLOW naming the URL without its query and the rate", async () => {
    // 2 KiB/s would take 8 minutes for this file; the floor is 8 KiB/s over 1 s.
    hub.inject({ kind: "bandwidth", bytesPerSecond: 2048, path: BIG, times: "always" });
    const cwd = project(config(BIG));
    const env = { HF_HUB_DOWNLOAD_TIMEOUT: "1", MODEL_MANAGER_MIN_SPEED: "8KiB", MODEL_MANAGER_MAX_ATTEMPTS: "2" };
    const run = await runAgainst(hub, ["--json"], { cwd, env });
    expect(run.code).toBe(1);
    const failure = JSON.parse(run.stdout).models[0];
    expect(failure).toMatchObject({ id: "m", ok: false, code: "SERVER_TOO_SLOW", exitCode: 1 });
    const message: string = failure.message;
    expect(message).toMatch(new RegExp(`^Failed to download "${BIG}" from ${REPO} at [0-9a-f]{12}: http://127\\.0\\.0\\.1:\\d+/[^ ?]+\\?… sent [0-9.]+ KiB/s for 1 s, below the floor of 8\\.0 KiB/s \\(MODEL_MANAGER_MIN_SPEED`));
    // The signed CDN URL's query never shows, in the result or the log.
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/[?&](X-Amz|Expires|Signature|Key-Pair)/i);
    expect(run.stderr).toContain("below the floor of 8.0 KiB/s");
    expect(cdnGets(BIG)).toHaveLength(2);
    expect(existsSync(join(cwd, "cache", "m", BIG))).toBe(false);
  });

  test("a slow but honest link never trips the default floor (64 KiB/s: a 1 MB/s link over all 16 connections)", async () => {
    hub.inject({ kind: "bandwidth", bytesPerSecond: 64 * 1024, path: SMALL, times: "always" });
    const cwd = project(config(SMALL));
    const run = await runAgainst(hub, ["-q"], { cwd, env: { HF_HUB_DOWNLOAD_TIMEOUT: "1" } });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain("below the floor");
    expect(cdnGets(SMALL)).toHaveLength(1);
    expectSameBytes(hub, REPO, [SMALL], join(cwd, "cache", "m"));
  });

  test("MODEL_MANAGER_MIN_SPEED takes a rate in bytes per second or 0; anything else is a usage error naming it as a rate", async () => {
    const cwd = project(config(SMALL));
    const run = await runAgainst(hub, [], { cwd, env: { MODEL_MANAGER_MIN_SPEED: "fast" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MODEL_MANAGER_MIN_SPEED must be a rate in bytes per second such as 1KiB or 512KiB (0: no floor), got "fast"');
    expect(hub.requests).toHaveLength(0);
  });
});
