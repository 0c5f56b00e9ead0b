/**
 * Native Xet downloads through the compiled binary against the local hub's Xet storage: the bytes
 * come from xorbs, not from the bridge; the switches force the bridge; every Xet fault is survived
 * by retrying Xet or, when retrying cannot help, by finishing the file through the bridge.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generated, json, type LocalHub, sha256Hex, syntheticXet } from "../local-hub/index.ts";
import { bridgeGets, cacheIndexOf, downloadedProject, expectSameBytes, project, runAgainst, sha256OfFile, spawnAgainst, startHub, waitFor, xorbBytes } from "../helpers/hub-scenario.ts";
import { finished } from "../helpers/run-cli.ts";
import { weightsLike } from "../helpers/weights-like.ts";
import { formatBytes } from "../../src/output/format.ts";

const REPO = "acme/xet-weights";
/** Terms of several MiB, as the Hub's (a freshly uploaded file reads whole runs of 64 MiB xorbs). */
const LONG_TERMS = "acme/xet-long-terms";
const LONG_TERMS_SIZE = 6 * 1024 * 1024 + 99;
const WEIGHTS = "model.safetensors";
const RANDOM = "extra.bin";
const FILES = ["config.json", WEIGHTS, RANDOM];
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;
/** Small ranges so a 3 MiB file takes the parallel path (one reconstruction per range). */
const RANGED = { MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "1MiB", MODEL_MANAGER_CONNECTIONS_PER_FILE: "4" };

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: REPO, xet: true, files: { "config.json": json({ model_type: "bert" }), [WEIGHTS]: weightsLike(3 * 1024 * 1024 + 777, 11), [RANDOM]: generated(1_200_000) } },
      { id: LONG_TERMS, xet: true, files: { [WEIGHTS]: syntheticXet(LONG_TERMS_SIZE, { xorbBytes: 4 * 1024 * 1024 }) } },
    ],
  });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

const count = (route: string) => hub.requests.filter((record) => record.route === route).length;
const answered = (route: string, status: number) => hub.requests.filter((record) => record.route === route && record.status === status).length;
/** Whether every injected fault was met (a fault that never fires proves nothing). */
const faultsFired = () => hub.faults.every((fault) => fault.fired > 0);

/** Bytes the resume state of a partial download says are on disk (0 without a state). */
function resumeStateBytes(cwd: string, modelId: string, file: string): number {
  const path = join(cwd, "cache", ".model-manager", "partial", modelId, `${file}.state.json`);
  if (!existsSync(path)) return 0;
  const state = JSON.parse(readFileSync(path, "utf8")) as { done: Array<[number, number]> };
  return state.done.reduce((sum, [start, end]) => sum + (end - start), 0);
}

/** Runs the model (only `files` of it when given) and checks every byte; a fault must not cost the user anything. */
async function downloadsIntact(env: Record<string, string> = {}, args: string[] = ["-v"], files: readonly string[] = FILES) {
  const cwd = project(files === FILES ? CONFIG : `${CONFIG}    files: ${JSON.stringify(files)}\n`);
  const run = await runAgainst(hub, args, { cwd, env });
  expect(run.stderr).not.toContain("error:");
  expect(run.code).toBe(0);
  expectSameBytes(hub, REPO, files, join(cwd, "cache", "m"));
  expect(hub.tokenSeenAtCdn).toBe(false);
  return run;
}

describe("native Xet downloads", () => {
  test("Xet-backed files come from xorbs, with no bridge byte; -v says the transport", async () => {
    const run = await downloadsIntact();
    expect(bridgeGets(hub)).toEqual([]);
    // One read token for both files of the model.
    expect(count("xet-token")).toBe(1);
    expect(count("xet-reconstruction")).toBe(2);
    expect(count("xorb")).toBeGreaterThanOrEqual(2);
    expect(run.stderr).toContain(`"${WEIGHTS}" in ${REPO}: through Xet`);
    expect(run.stderr).toContain(`"${RANDOM}" in ${REPO}: through Xet`);
  });

  test("parallel ranges: one reconstruction per file, its xorbs fetched in parallel on the file's connections", async () => {
    // Slow xorbs, so requests that run in parallel overlap in time whatever the machine's load.
    hub.inject({ kind: "bandwidth", bytesPerSecond: 4_000_000, host: "cdn", route: "xorb", times: "always" });
    await downloadsIntact(RANGED);
    expect(bridgeGets(hub)).toEqual([]);
    const ranges = hub.requests.filter((record) => record.route === "xet-reconstruction").map((record) => record.range);
    expect(ranges).toHaveLength(2);
    expect(ranges.every((range) => /^bytes=\d+-\d+$/.test(range ?? ""))).toBe(true);
    const xorbs = hub.requests.filter((record) => record.route === "xorb");
    const mostAtOnce = Math.max(...xorbs.map((one) => xorbs.filter((other) => other.at <= one.at && one.at < other.at + (other.durationMs ?? 0)).length));
    expect(mostAtOnce).toBeGreaterThan(1);
    expect(mostAtOnce).toBeLessThanOrEqual(2 * Number(RANGED.MODEL_MANAGER_CONNECTIONS_PER_FILE));
  });

  test("terms larger than a unit are fetched in pieces of their chunks, each once, not whole for their first piece", async () => {
    const cwd = project(`cache_dir: cache\nverify: sha256\nmodels:\n  - id: long\n    repo_id: ${LONG_TERMS}\n`);
    const run = await runAgainst(hub, ["-v"], { cwd, env: RANGED });
    expect(run.code).toBe(0);
    expectSameBytes(hub, LONG_TERMS, [WEIGHTS], join(cwd, "cache", "long"));
    expect(bridgeGets(hub)).toEqual([]);
    const fetched = xorbBytes(hub);
    // The xorbs hold ≈ 0.95 of the file; each cut inside a term fetches at most one chunk (≤ 128 KiB) twice.
    expect(fetched).toBeLessThan(LONG_TERMS_SIZE * 1.15);
    // The index knows where every chunk is (for a later upgrade to copy), the pieces' shared edge chunks once.
    const index = cacheIndexOf(cwd) as { models: Record<string, { files: { xetChunks: [string, number, number, string][] }[] }> };
    const runs = index.models.long!.files[0]!.xetChunks;
    let covered = 0;
    for (const [, , fileOffset, lengths] of runs) {
      expect(fileOffset).toBe(covered);
      covered += lengths.split(",").reduce((sum, length) => sum + Number(length), 0);
    }
    expect(covered).toBe(LONG_TERMS_SIZE);
  });

  test("a Xet file under the bridge's 64 MiB ranged threshold runs on several connections with the default settings", async () => {
    const id = "acme/xet-small-parallel";
    hub.addRepo({ id, xet: true, files: { "small.safetensors": weightsLike(12 * 1024 * 1024 + 5, 31) } });
    hub.inject({ kind: "bandwidth", bytesPerSecond: 4_000_000, host: "cdn", route: "xorb", times: "always" });
    const cwd = project(`cache_dir: cache\nverify: sha256\nmodels:\n  - id: s\n    repo_id: ${id}\n`);
    const run = await runAgainst(hub, ["-v"], { cwd });
    expect(run.code).toBe(0);
    expectSameBytes(hub, id, ["small.safetensors"], join(cwd, "cache", "s"));
    expect(bridgeGets(hub)).toEqual([]);
    const xorbs = hub.requests.filter((record) => record.route === "xorb");
    const mostAtOnce = Math.max(...xorbs.map((one) => xorbs.filter((other) => other.at <= one.at && one.at < other.at + (other.durationMs ?? 0)).length));
    expect(mostAtOnce).toBeGreaterThan(1);
  });

  for (const [name, env] of [
    ["MODEL_MANAGER_XET=0", { MODEL_MANAGER_XET: "0" }],
    ["HF_HUB_DISABLE_XET=1", { HF_HUB_DISABLE_XET: "1" }],
  ] as const) {
    test(`${name} forces the bridge`, async () => {
      const run = await downloadsIntact(env);
      expect(count("xorb")).toBe(0);
      expect(count("xet-reconstruction")).toBe(0);
      expect(bridgeGets(hub).length).toBeGreaterThanOrEqual(2);
      expect(run.stderr).toContain(`"${WEIGHTS}" in ${REPO}: through the Hub's bridge (Xet switched off)`);
    });
  }
});

describe("Xet faults", () => {
  test("an expired token (401) is fetched again once, without the bridge", async () => {
    hub.inject({ kind: "status", status: 401, host: "cdn", route: "xet-reconstruction" });
    await downloadsIntact();
    expect(answered("xet-reconstruction", 401)).toBe(1);
    expect(bridgeGets(hub)).toEqual([]);
    expect(count("xet-token")).toBeGreaterThanOrEqual(2);
  });

  test("a token the CAS refuses again after a fresh one falls back to the bridge, said once", async () => {
    hub.inject({ kind: "status", status: 401, host: "cdn", route: "xet-reconstruction", times: "always" });
    const run = await downloadsIntact({}, ["-v"], [WEIGHTS]);
    expect(answered("xet-reconstruction", 401)).toBe(2);
    expect(count("xet-token")).toBe(2);
    expect(bridgeGets(hub)).toHaveLength(1);
    expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    expect(run.stderr).toContain("HTTP 401");
  });

  test("a token about to expire is not used: it is fetched again first", async () => {
    hub.configure({ xetTokenTtlSeconds: 30 });
    try {
      await downloadsIntact(RANGED);
    } finally {
      hub.configure({ xetTokenTtlSeconds: 3600 });
    }
    expect(bridgeGets(hub)).toEqual([]);
    expect(count("xet-token")).toBeGreaterThanOrEqual(2);
    expect(hub.requests.filter((record) => record.route === "xet-reconstruction" && record.status === 401)).toEqual([]);
  });

  test("an expired xorb URL (403) makes it ask for the reconstruction again, without the bridge", async () => {
    hub.inject({ kind: "expired-url", host: "cdn", route: "xorb" });
    await downloadsIntact();
    expect(bridgeGets(hub)).toEqual([]);
    expect(answered("xorb", 403)).toBe(1);
    expect(count("xet-reconstruction")).toBe(3);
  });

  test("429 and 503 from the CAS are retried on Xet", async () => {
    hub.inject({ kind: "rate-limit", retryAfterSeconds: 0, host: "cdn", route: "xet-reconstruction" });
    hub.inject({ kind: "status", status: 503, host: "cdn", route: "xorb" });
    const run = await downloadsIntact();
    expect(answered("xet-reconstruction", 429)).toBe(1);
    expect(answered("xorb", 503)).toBe(1);
    expect(bridgeGets(hub)).toEqual([]);
    expect(run.stderr).not.toContain("Xet transfer failed");
  });

  for (const [what, fault] of [
    ["xorb URLs that stay expired (403)", { kind: "expired-url", host: "cdn", route: "xorb", times: "always" }],
    ["a CAS that keeps answering 503 for xorbs", { kind: "status", status: 503, host: "cdn", route: "xorb", times: "always" }],
    ["a CAS that keeps answering 503 for reconstructions", { kind: "status", status: 503, host: "cdn", route: "xet-reconstruction", times: "always" }],
  ] as const) {
    test(`${what}: a few tries on Xet, then the bridge, said once`, async () => {
      hub.inject(fault);
      const run = await downloadsIntact({}, ["-v"], [WEIGHTS]);
      // Three Xet attempts, then the bridge: within the engine's six, and the bridge has the rest.
      expect(hub.requests.filter((record) => record.faults.length > 0)).toHaveLength(3);
      expect(bridgeGets(hub)).toHaveLength(1);
      expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    });

    test(`${what}, on parallel ranges: a few tries on Xet, then the bridge, said once`, async () => {
      hub.inject(fault);
      const run = await downloadsIntact(RANGED, ["-v"], [WEIGHTS]);
      // Three in a row end Xet; requests already in flight on the file's other connections may fail too.
      expect(hub.requests.filter((record) => record.faults.length > 0).length).toBeLessThanOrEqual(3 + Number(RANGED.MODEL_MANAGER_CONNECTIONS_PER_FILE) - 1);
      expect(bridgeGets(hub).length).toBeGreaterThanOrEqual(1);
      expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    });
  }

  test("a truncated xorb body is fetched again from Xet", async () => {
    hub.inject({ kind: "truncate", afterBytes: 1000, host: "cdn", route: "xorb" });
    const run = await downloadsIntact({}, ["-v"], [WEIGHTS]);
    expect(hub.requests.filter((record) => record.route === "xorb" && record.faults.includes("truncate"))).toHaveLength(1);
    expect(bridgeGets(hub)).toEqual([]);
    expect(run.stderr).not.toContain("Xet transfer failed");
  });

  test("corrupted chunk bytes fail the sha256: the copy is quarantined and the file fetched again from Xet", async () => {
    hub.inject({ kind: "corrupt", offsets: [40_000], host: "cdn", route: "xorb" });
    const run = await downloadsIntact({}, ["-v"], [RANDOM]);
    expect(faultsFired()).toBe(true);
    expect(run.stderr.match(/fetching it again from scratch/g)).toHaveLength(1);
    expect(bridgeGets(hub)).toEqual([]);
    expect(count("xet-reconstruction")).toBe(2);
  });

  test("a corrupted multipart answer falls back to the bridge, said once", async () => {
    // Byte 2 is in the first part's boundary line.
    hub.inject({ kind: "corrupt", offsets: [2], host: "cdn", route: "xorb" });
    const run = await downloadsIntact({}, ["-v"], [WEIGHTS]);
    expect(faultsFired()).toBe(true);
    expect(bridgeGets(hub)).toHaveLength(1);
    expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    expect(run.stderr).toContain("multipart part without its delimiter");
  });

  test("a 416 from the CAS for the file's range falls back to the bridge, said once", async () => {
    hub.inject({ kind: "status", status: 416, headers: { "Content-Range": "bytes */0" }, host: "cdn", route: "xet-reconstruction" });
    const run = await downloadsIntact({}, ["-v"], [WEIGHTS]);
    expect(answered("xet-reconstruction", 416)).toBe(1);
    expect(bridgeGets(hub)).toHaveLength(1);
    expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    expect(run.stderr).toContain("HTTP 416");
  });

  test("a storage that ignores Range (200, the whole xorb) has the ranges read out of the xorb, without the bridge", async () => {
    hub.inject({ kind: "ignore-range", host: "cdn", route: "xorb", times: 2 });
    await downloadsIntact(RANGED);
    expect(bridgeGets(hub)).toEqual([]);
    expect(hub.requests.filter((record) => record.route === "xorb" && record.status === 200)).toHaveLength(2);
  });

  test("a wrong unpacked_length falls back to the bridge for that file, said once", async () => {
    hub.injectWrongUnpackedLength(1);
    const run = await downloadsIntact();
    expect(count("xet-reconstruction")).toBe(2);
    expect(bridgeGets(hub).length).toBe(1);
    expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    expect(run.stderr).toContain("announced");
  });

  test("a CAS without /v2 is asked /v1", async () => {
    hub.configure({ xetReconstructionV2: false });
    try {
      await downloadsIntact();
    } finally {
      hub.configure({ xetReconstructionV2: true });
    }
    expect(bridgeGets(hub)).toEqual([]);
    expect(hub.requests.some((record) => record.route === "xet-reconstruction" && record.target.startsWith("/v1/") && record.status === 200)).toBe(true);
  });
});

describe("resuming a Xet download", () => {
  const BIG = "big.safetensors";
  const BIG_REPO = "acme/xet-big";
  const MiB = 1024 * 1024;
  const BIG_SIZE = 12 * MiB + 99;
  const BIG_CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: big\n    repo_id: ${BIG_REPO}\n`;
  const recordedBytes = (cwd: string) => resumeStateBytes(cwd, "big", BIG);
  /** File bytes asked of the CAS, from the reconstructions' Range headers. */
  const askedBytes = () =>
    hub.requests
      .filter((record) => record.route === "xet-reconstruction" && record.status === 200)
      .reduce((sum, record) => {
        const [, start, end] = /^bytes=(\d+)-(\d+)$/.exec(record.range ?? "") ?? [];
        return sum + Number(end) - Number(start) + 1;
      }, 0);

  async function killThenResume(cwd: string, env: Record<string, string>, killAtBytes: number): Promise<number> {
    hub.inject({ kind: "bandwidth", bytesPerSecond: 1_500_000, host: "cdn", route: "xorb", times: "always" });
    const proc = await spawnAgainst(hub, [], { cwd, env });
    await waitFor("resume state on disk", () => recordedBytes(cwd) >= killAtBytes);
    proc.kill("SIGKILL");
    expect((await finished(proc)).code).not.toBe(0);
    hub.clearFaults();
    const kept = recordedBytes(cwd);
    hub.resetLog();
    const run = await runAgainst(hub, ["-v"], { cwd, env });
    expect(run.code).toBe(0);
    expectSameBytes(hub, BIG_REPO, [BIG], join(cwd, "cache", "big"));
    expect(bridgeGets(hub)).toEqual([]);
    expect(askedBytes()).toBeLessThanOrEqual(BIG_SIZE - kept);
    expect(run.stderr).toContain(`resuming ${BIG}`);
    return kept;
  }

  test("after kill -9, the next run asks Xet only for what is missing", async () => {
    hub.addRepo({ id: BIG_REPO, xet: true, files: { [BIG]: weightsLike(BIG_SIZE, 5) } });
    await killThenResume(project(BIG_CONFIG), RANGED, 4 * MiB);
  });

  test("on one stream the resume state follows the terms written, so a resume starts mid-file", async () => {
    const cwd = project(BIG_CONFIG);
    // One connection and one range for the whole file (below both ranged thresholds), state saved every MiB.
    const kept = await killThenResume(cwd, { MODEL_MANAGER_CHUNK_SIZE: "1MiB", MODEL_MANAGER_XET_RANGED_THRESHOLD: "1GiB" }, 3 * MiB);
    expect(kept).toBeLessThan(BIG_SIZE);
    const first = hub.requests.find((record) => record.route === "xet-reconstruction" && record.status === 200);
    expect(first?.range).toBe(`bytes=${kept}-${BIG_SIZE - 1}`);
  }, 30_000);
});

describe("upgrading a Xet file fetches only the chunks that changed", () => {
  const UP_REPO = "acme/xet-upgrade";
  const MiB = 1024 * 1024;
  const SIZE = 8 * MiB + 321;
  const configAt = (revision: string) => `cache_dir: cache\nverify: sha256\nmodels:\n  - id: up\n    repo_id: ${UP_REPO}\n    revision: ${revision}\n`;

  test("a new revision changing 5 % of a 50 MiB file fetches only the changed chunks and copies the rest", async () => {
    const SIZE_50 = 50 * MiB + 321;
    const first = weightsLike(SIZE_50, 21);
    const second = first.slice();
    second.set(weightsLike(Math.floor(SIZE_50 * 0.05), 99), Math.floor(SIZE_50 * 0.45));
    const secondSha256 = sha256Hex(second);
    hub.addRepo({ id: UP_REPO, xet: true, commits: [{ files: { [WEIGHTS]: first } }, { files: { [WEIGHTS]: second } }], tags: { v1: 0 } });
    const cwd = project(configAt("v1"));
    const run1 = await runAgainst(hub, [], { cwd });
    expect(run1.stderr).not.toContain("error:");
    expect(run1.code).toBe(0);
    expectSameBytes(hub, UP_REPO, [WEIGHTS], join(cwd, "cache", "up"), "v1");
    expect(bridgeGets(hub)).toEqual([]);
    expect(xorbBytes(hub)).toBeGreaterThan(SIZE_50 * 0.5);
    hub.resetLog();
    await Bun.write(join(cwd, "models.yaml"), configAt("main"));
    const run2 = await runAgainst(hub, [], { cwd });
    expect(run2.stderr).not.toContain("error:");
    expect(run2.code).toBe(0);
    expect(sha256OfFile(join(cwd, "cache", "up", WEIGHTS))).toBe(secondSha256);
    expect(bridgeGets(hub)).toEqual([]);
    const fetched = xorbBytes(hub);
    expect(fetched).toBeGreaterThan(0);
    expect(fetched).toBeLessThanOrEqual(SIZE_50 * 0.15);
    const report = new RegExp(`up: ${WEIGHTS}: reused ([\\d.]+) MiB of 50\\.0 MiB from the cache, fetched ([\\d.]+) MiB`).exec(run2.stderr);
    expect(report).not.toBeNull();
    // The line tells the truth: most of the file reused, and what it says was fetched is what the hub served.
    expect(Number(report![1])).toBeGreaterThanOrEqual(50 * 0.85);
    expect(Math.abs(Number(report![2]) * MiB - fetched)).toBeLessThanOrEqual(0.06 * MiB);
  }, 60_000);

  /** A repo whose main rewrites 5 % of an 8 MiB file, and a project with its v1 downloaded; returns the project and the new bytes. */
  async function cachedFirstRevision(repo: string, seed: number): Promise<{ cwd: string; config: (revision: string) => string; second: Uint8Array }> {
    const first = weightsLike(SIZE, seed);
    const second = first.slice();
    second.set(weightsLike(Math.floor(SIZE * 0.05), seed + 1), Math.floor(SIZE * 0.6));
    hub.addRepo({ id: repo, xet: true, commits: [{ files: { [WEIGHTS]: first } }, { files: { [WEIGHTS]: second } }], tags: { v1: 0 } });
    const config = (revision: string) => `cache_dir: cache\nverify: sha256\nmodels:\n  - id: up\n    repo_id: ${repo}\n    revision: ${revision}\n`;
    const cwd = await downloadedProject(hub, config("v1"));
    await Bun.write(join(cwd, "models.yaml"), config("main"));
    return { cwd, config, second };
  }

  test("a cached file rotten on disk (size and mtime as indexed): the copied bytes fail the sha256, the file comes again from the network", async () => {
    const { cwd, second } = await cachedFirstRevision("acme/xet-rot", 61);
    const cached = join(cwd, "cache", "up", WEIGHTS);
    // Bit rot: the bytes change, the size and mtime the index recorded do not.
    const { mtimeMs } = statSync(cached);
    const bytes = new Uint8Array(readFileSync(cached));
    for (const offset of [1000, 2 * MiB, 5 * MiB]) bytes[offset]! ^= 0xff;
    writeFileSync(cached, bytes);
    utimesSync(cached, mtimeMs / 1000, mtimeMs / 1000);
    expect(statSync(cached).mtimeMs).toBe(mtimeMs);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(sha256OfFile(cached)).toBe(sha256Hex(second));
    expect(run.stderr.match(/fetching it again from scratch/g)).toHaveLength(1);
    // The second pass copies nothing: every xorb byte of the file is fetched.
    expect(xorbBytes(hub)).toBeGreaterThan(SIZE * 0.5);
    expect(bridgeGets(hub)).toEqual([]);
  });

  test("a CAS failing for good during an upgrade: the bridge finishes the file, the copied bytes stay", async () => {
    const { cwd, second } = await cachedFirstRevision("acme/xet-upgrade-503", 71);
    hub.inject({ kind: "status", status: 503, host: "cdn", route: "xorb", times: "always" });
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(sha256OfFile(join(cwd, "cache", "up", WEIGHTS))).toBe(sha256Hex(second));
    expect(run.stderr.match(/Xet transfer failed/g)).toHaveLength(1);
    const bridged = bridgeGets(hub).reduce((sum, record) => sum + record.bodyBytes, 0);
    expect(bridged).toBeGreaterThan(0);
    expect(bridged).toBeLessThan(SIZE);
  });

  for (const [when, fault] of [
    ["", undefined],
    [", and after a xorb answer cut short", { kind: "truncate", afterBytes: 20_000, host: "cdn", route: "xorb" } as const],
  ] as const) {
    test(`the reuse report's "fetched" is what the storage sent, also when units end inside terms${when}`, async () => {
      const { cwd, second } = await cachedFirstRevision(`acme/xet-upgrade-exact${fault ? "-cut" : ""}`, 91);
      if (fault) hub.inject(fault);
      // Units of 64 KiB: the changed terms (up to 8 chunks) are cut into pieces, each asked of the CAS, most ending inside a term.
      const run = await runAgainst(hub, ["-v"], { cwd, env: { MODEL_MANAGER_CHUNK_SIZE: "64KiB", MODEL_MANAGER_RANGED_THRESHOLD: "1MiB" } });
      expect(run.stderr).not.toContain("error:");
      expect(run.code).toBe(0);
      expect(sha256OfFile(join(cwd, "cache", "up", WEIGHTS))).toBe(sha256Hex(second));
      expect(bridgeGets(hub)).toEqual([]);
      const pieces = hub.requests.filter((record) => record.route === "xet-reconstruction" && record.range !== undefined);
      expect(pieces.length).toBeGreaterThan(2);
      const exact = new RegExp(`up: ${WEIGHTS}: reused (\\d+) bytes from the cache, fetched (\\d+) bytes`).exec(run.stderr);
      expect(exact).not.toBeNull();
      expect(Number(exact![2])).toBe(xorbBytes(hub));
      expect(Number(exact![1])).toBeGreaterThan(SIZE * 0.8);
      expect(run.stderr).toContain(`reused ${formatBytes(Number(exact![1]))} of ${formatBytes(SIZE)} from the cache, fetched ${formatBytes(xorbBytes(hub))}`);
      if (fault) expect(faultsFired()).toBe(true);
    });
  }

  test("kill -9 in the middle of an upgrade: the next run resumes, still copying from the cached revision", async () => {
    const { cwd, second } = await cachedFirstRevision("acme/xet-upgrade-kill", 81);
    const env = { MODEL_MANAGER_CHUNK_SIZE: "1MiB" };
    const recorded = () => resumeStateBytes(cwd, "up", WEIGHTS);
    // The copied 60 % before the change goes fast; the changed chunks trickle in.
    hub.inject({ kind: "bandwidth", bytesPerSecond: 50_000, host: "cdn", route: "xorb", times: "always" });
    const proc = await spawnAgainst(hub, [], { cwd, env });
    await waitFor("resume state past the copied start", () => recorded() >= 3 * MiB);
    proc.kill("SIGKILL");
    expect((await finished(proc)).code).not.toBe(0);
    expect(recorded()).toBeLessThan(SIZE);
    hub.clearFaults();
    const firstFetch = xorbBytes(hub);
    hub.resetLog();
    const run = await runAgainst(hub, ["-v"], { cwd, env });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`resuming ${WEIGHTS}`);
    expect(sha256OfFile(join(cwd, "cache", "up", WEIGHTS))).toBe(sha256Hex(second));
    expect(bridgeGets(hub)).toEqual([]);
    expect(firstFetch + xorbBytes(hub)).toBeLessThanOrEqual(SIZE * 0.15);
  }, 30_000);

  test("another model naming a revision of the same file copies the chunks the first model's file shares", async () => {
    const REPO2 = "acme/xet-shared";
    const first = weightsLike(SIZE, 31);
    const second = first.slice();
    second.set(weightsLike(Math.floor(SIZE * 0.05), 77), Math.floor(SIZE * 0.2));
    hub.addRepo({ id: REPO2, xet: true, commits: [{ files: { [WEIGHTS]: first } }, { files: { [WEIGHTS]: second } }], tags: { v1: 0 } });
    const model = (id: string, revision: string) => `  - id: ${id}\n    repo_id: ${REPO2}\n    revision: ${revision}\n`;
    const cwd = project(`cache_dir: cache\nverify: sha256\nmodels:\n${model("old", "v1")}`);
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const fullFetch = xorbBytes(hub);
    hub.resetLog();
    await Bun.write(join(cwd, "models.yaml"), `cache_dir: cache\nverify: sha256\nmodels:\n${model("old", "v1")}${model("new", "main")}`);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expectSameBytes(hub, REPO2, [WEIGHTS], join(cwd, "cache", "new"), "main");
    expectSameBytes(hub, REPO2, [WEIGHTS], join(cwd, "cache", "old"), "v1");
    expect(xorbBytes(hub)).toBeLessThan(fullFetch * 0.15);
    expect(run.stderr).toMatch(new RegExp(`new: ${WEIGHTS}: reused [\\d.]+ MiB of 8\\.0 MiB from the cache`));
  });

  test("layout: hf upgrades reuse the previous revision's blob", async () => {
    const REPO3 = "acme/xet-hf";
    const first = weightsLike(SIZE, 41);
    const second = first.slice();
    second.set(weightsLike(Math.floor(SIZE * 0.05), 55), Math.floor(SIZE * 0.7));
    hub.addRepo({ id: REPO3, xet: true, commits: [{ files: { [WEIGHTS]: first } }, { files: { [WEIGHTS]: second } }], tags: { v1: 0 } });
    const config = (revision: string) => `cache_dir: hf-cache\nlayout: hf\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO3}\n    revision: ${revision}\n`;
    const cwd = project(config("v1"));
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const fullFetch = xorbBytes(hub);
    hub.resetLog();
    await Bun.write(join(cwd, "models.yaml"), config("main"));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(xorbBytes(hub)).toBeLessThan(fullFetch * 0.15);
    expect(run.stderr).toMatch(/m: model\.safetensors: reused [\d.]+ MiB of 8\.0 MiB from the cache/);
  });
});
