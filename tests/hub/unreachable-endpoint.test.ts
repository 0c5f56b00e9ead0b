import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT } from "../helpers/run-cli.ts";
import { json, type LocalHub } from "../local-hub/index.ts";
import { startHostileServer } from "./hostile-server.ts";

const IDS = ["cached", "b", "c", "d", "e", "f"];
const CONFIG = `cache_dir: cache\nmodels:\n${IDS.map((id) => `  - id: ${id}\n    repo_id: acme/${id}\n`).join("")}`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: IDS.map((id) => ({ id: `acme/${id}`, files: { "config.json": json({ id }) } })) });
});
afterAll(() => hub.stop());

describe("an endpoint that cannot be reached is found out once per run", () => {
  test("every uncached model fails with one message naming HF_ENDPOINT and the cause; cached models are served", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["-q", "--model", "cached"], { cwd })).code).toBe(0);
    const run = await runAgainst(hub, [], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(`cached\t${join(cwd, "cache", "cached")}\n`);
    expect(run.stderr.split(`HF_ENDPOINT=${DEAD_ENDPOINT} cannot be reached:`)).toHaveLength(2);
    expect(run.stderr).toMatch(/ECONNREFUSED|ConnectionRefused|Unable to connect/);
    const others = /error: (.*): not downloaded either, HF_ENDPOINT cannot be reached \(see above\)/.exec(run.stderr)?.[1]?.split(", ") ?? [];
    const first = /error: (\w+): HF_ENDPOINT=/.exec(run.stderr)?.[1];
    expect([first, ...others].sort()).toEqual(IDS.filter((id) => id !== "cached").sort());
    expect(run.stderr).toContain("Models already in the cache are served; the others are not downloaded in this run");
    expect(run.stderr).toContain("1 of 6 models ready");
  });

  test("an endpoint that accepts connections but never answers is declared unreachable once, not retried per model", async () => {
    using mute = startHostileServer(() => ({ hold: true }));
    const many = Array.from({ length: 12 }, (_, index) => `m${index}`);
    const cwd = project(`cache_dir: cache\nmodels:\n${many.map((id) => `  - id: ${id}\n    repo_id: acme/${id}\n`).join("")}`);
    const run = await runAgainst(hub, [], { cwd, env: { HF_ENDPOINT: mute.url, HF_HUB_DOWNLOAD_TIMEOUT: "0.3", MODEL_MANAGER_MAX_ATTEMPTS: "2" } });
    expect(run.code).toBe(1);
    expect(run.stderr.split(`HF_ENDPOINT=${mute.url} cannot be reached: no data received`)).toHaveLength(2);
    // At most the first request of each of the 4 models in flight, with its attempts; not 12 models x 2 attempts.
    expect(mute.requests.length).toBeLessThanOrEqual(4 * 2);
  });

  test("--dry-run says it once too", async () => {
    const run = await runAgainst(hub, ["--dry-run"], { cwd: project(CONFIG), env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(1);
    expect(run.stderr.split("cannot be reached:")).toHaveLength(2);
    expect(run.stderr).toContain(": not planned either, HF_ENDPOINT cannot be reached (see above)");
  });

  test("lock says it once too, names the other models and writes no lock", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["lock"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(1);
    expect(run.stderr.split("cannot be reached:")).toHaveLength(2);
    const others = /error: (.*): not locked either, HF_ENDPOINT cannot be reached \(see above\)/.exec(run.stderr)?.[1]?.split(", ") ?? [];
    const first = /error: (\w+): HF_ENDPOINT=/.exec(run.stderr)?.[1];
    expect([first, ...others].sort()).toEqual([...IDS].sort());
    expect(existsSync(join(cwd, "models.lock.json"))).toBe(false);
    // Nothing said of downloads or of the cache: lock does neither.
    expect(run.stderr).not.toMatch(/download|in the cache/i);
  });
});
