/**
 * Chunk reuse and native Xet downloads when the filesystem is odd, through the compiled binary:
 * reuse sources that changed since the index recorded them (during the run too), caches restored
 * from tar, interruptions. Whatever the disk does, a final path holds the right bytes or nothing new,
 * the index stays readable and the reuse source is never written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { linkSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type LocalHub, sha256Hex } from "../local-hub/index.ts";
import { bridgeGets, cacheIndexOf, downloadedProject, project, runAgainst, sha256OfFile, spawnAgainst, startHub, waitFor, xorbBytes } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";
import { finished } from "../helpers/run-cli.ts";
import { weightsLike } from "../helpers/weights-like.ts";

const WEIGHTS = "model.safetensors";
const MiB = 1024 * 1024;
const SIZE = 8 * MiB + 321;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

/** One entry of a configuration's models list. */
const entry = (id: string, repo: string, revision: string) => `  - id: ${id}\n    repo_id: ${repo}\n    revision: ${revision}\n`;
/** A configuration with a plain cache in cache/, verify: sha256 and these entries. */
const configOf = (...entries: string[]) => `cache_dir: cache\nverify: sha256\nmodels:\n${entries.join("")}`;
const config = (repo: string, revision: string) => configOf(entry("up", repo, revision));

let seed = 100;
/** A repo whose main rewrites 5 % of an 8 MiB file at `changedAt` (a fraction), and a project with v1 cached; the config now names main. */
async function cachedFirstRevision(repo: string, changedAt: number) {
  seed += 2;
  const first = weightsLike(SIZE, seed);
  const second = first.slice();
  second.set(weightsLike(Math.floor(SIZE * 0.05), seed + 1), Math.floor(SIZE * changedAt));
  hub.addRepo({ id: repo, xet: true, commits: [{ files: { [WEIGHTS]: first } }, { files: { [WEIGHTS]: second } }], tags: { v1: 0 } });
  const cwd = await downloadedProject(hub, config(repo, "v1"));
  await Bun.write(join(cwd, "models.yaml"), config(repo, "main"));
  return { cwd, cached: join(cwd, "cache", "up", WEIGHTS), firstSha: sha256Hex(first), secondSha: sha256Hex(second) };
}

describe("a reuse source that changes during the run", () => {
  const changes: Record<string, (path: string) => void> = {
    deleted: (path) => unlinkSync(path),
    "replaced by a directory": (path) => {
      unlinkSync(path);
      mkdirSync(path);
    },
    truncated: (path) => truncateSync(path, 1000),
  };
  for (const [what, change] of Object.entries(changes)) {
    test(`${what} after the plan: its chunks are fetched through Xet instead, the file ends right`, async () => {
      const repo = `acme/odd-${what.replaceAll(" ", "-")}`;
      const { cwd, secondSha } = await cachedFirstRevision(repo, 0.1);
      // Another model's file is the source, so the changed path is not where the new file goes.
      await Bun.write(join(cwd, "models.yaml"), configOf(entry("up", repo, "v1"), entry("new", repo, "main")));
      const source = join(cwd, "cache", "up", WEIGHTS);
      // The changed chunks (at 10 %) trickle in, so the source changes between the first copy and the next.
      hub.inject({ kind: "bandwidth", bytesPerSecond: 200_000, host: "cdn", route: "xorb", times: "always" });
      const proc = await spawnAgainst(hub, ["-v"], { cwd });
      await waitFor("a xorb request", () => hub.requests.some((record) => record.route === "xorb"));
      change(source);
      hub.clearFaults();
      const run = await finished(proc);
      expect(run.stderr).not.toContain("error:");
      expect(run.code).toBe(0);
      expect(sha256OfFile(join(cwd, "cache", "new", WEIGHTS))).toBe(secondSha);
      // Not the bridge for the rest of the file: the chunks the source no longer holds come from xorbs.
      expect(run.stderr).not.toContain("Xet transfer failed");
      expect(bridgeGets(hub)).toEqual([]);
      expect(run.stderr).toContain(`the cached copy ${source} no longer holds what the index recorded`);
      expect(cacheIndexOf(cwd).models.new!.files[0]!.sha256).toBe(secondSha);
    }, 60_000);
  }
});

describe("what a run reports", () => {
  test("--json gives the bytes copied from the cache (reusedBytes), absent when nothing was copied", async () => {
    const repo = "acme/odd-json";
    const { cwd, secondSha } = await cachedFirstRevision(repo, 0.5);
    const fresh = project(config(repo, "main"));
    const first = parseJsonOutput((await runAgainst(hub, ["--json"], { cwd: fresh })).stdout, "download");
    expect(first.models[0]).toMatchObject({ ok: true, downloadedBytes: SIZE });
    expect(first.models[0]).not.toHaveProperty("reusedBytes");
    hub.resetLog();
    const run = await runAgainst(hub, ["--json"], { cwd });
    expect(run.code).toBe(0);
    expect(sha256OfFile(join(cwd, "cache", "up", WEIGHTS))).toBe(secondSha);
    const model = parseJsonOutput(run.stdout, "download").models[0]!;
    expect(model).toMatchObject({ ok: true, downloadedBytes: SIZE });
    const reused = (model as { reusedBytes?: number }).reusedBytes ?? 0;
    expect(reused).toBeGreaterThan(SIZE * 0.85);
    expect(reused).toBeLessThan(SIZE);
    // The same figure as the line on stderr.
    expect(run.stderr).toContain(`up: ${WEIGHTS}: reused ${(reused / MiB).toFixed(1)} MiB of 8.0 MiB from the cache`);
  });
});

describe("a cache as odd filesystems leave it", () => {
  test("restored from tar (whole-second mtimes, new inodes): the upgrade still copies the shared chunks", async () => {
    const { cwd, cached, secondSha } = await cachedFirstRevision("acme/odd-tar", 0.5);
    const restored = join(cwd, "restored");
    const tar = join(cwd, "cache.tar");
    // ustar keeps whole seconds; the index recorded the sub-second mtime.
    for (const command of [["tar", "--format=ustar", "-cf", tar, "-C", cwd, "cache"], ["mkdir", restored], ["tar", "-xf", tar, "-C", restored]]) {
      expect(Bun.spawnSync(command).exitCode).toBe(0);
    }
    rmSync(join(cwd, "cache"), { recursive: true });
    expect(Bun.spawnSync(["mv", join(restored, "cache"), join(cwd, "cache")]).exitCode).toBe(0);
    expect(statSync(cached).mtimeMs % 1000).toBe(0);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(sha256OfFile(cached)).toBe(secondSha);
    expect(run.stderr).toMatch(/up: model\.safetensors: reused [\d.]+ MiB of 8\.0 MiB from the cache/);
    expect(xorbBytes(hub)).toBeLessThan(SIZE * 0.15);
  });
});

describe("a reuse source that changed before the run", () => {
  test("at the default verify level (size), bytes copied from a rotten cached file are still checked by sha256", async () => {
    const repo = "acme/odd-rot-size";
    const { cwd, cached, secondSha } = await cachedFirstRevision(repo, 0.5);
    await Bun.write(join(cwd, "models.yaml"), config(repo, "main").replace("verify: sha256\n", ""));
    // Bit rot in the shared part: the bytes change, the size and mtime the index recorded do not.
    const { mtimeMs } = statSync(cached);
    const bytes = new Uint8Array(readFileSync(cached));
    bytes[MiB]! ^= 0xff;
    writeFileSync(cached, bytes);
    utimesSync(cached, mtimeMs / 1000, mtimeMs / 1000);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(sha256OfFile(cached)).toBe(secondSha);
    expect(run.stderr.match(/fetching it again from scratch/g)).toHaveLength(1);
  });

  test("replaced by a symlink to an identical copy outside the cache: refused naming model and file, the target untouched", async () => {
    const { cwd, cached, firstSha } = await cachedFirstRevision("acme/odd-symlink-out", 0.5);
    const outside = join(cwd, "elsewhere.safetensors");
    expect(Bun.spawnSync(["cp", "-p", cached, outside]).exitCode).toBe(0);
    unlinkSync(cached);
    symlinkSync(outside, cached);
    const before = statSync(outside);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: up: Refusing path "${WEIGHTS}" from acme/odd-symlink-out`);
    expect(xorbBytes(hub)).toBe(0);
    expect(sha256OfFile(outside)).toBe(firstSha);
    expect(statSync(outside).mtimeMs).toBe(before.mtimeMs);
  });

  test("replaced by a symlink to an identical copy inside the model: not copied from, the link replaced by the new file, the copy untouched", async () => {
    const { cwd, cached, firstSha, secondSha } = await cachedFirstRevision("acme/odd-symlink-in", 0.5);
    const inside = join(cwd, "cache", "up", "copy.safetensors");
    expect(Bun.spawnSync(["cp", "-p", cached, inside]).exitCode).toBe(0);
    unlinkSync(cached);
    symlinkSync(inside, cached);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(lstatSync(cached).isFile()).toBe(true);
    expect(sha256OfFile(cached)).toBe(secondSha);
    expect(sha256OfFile(inside)).toBe(firstSha);
    expect(run.stderr).not.toContain("reused");
  });

  test("hard-linked to another model's copy: the upgrade copies from it and leaves the other model's file as it was", async () => {
    const repo = "acme/odd-hardlink";
    const { cwd, cached, firstSha, secondSha } = await cachedFirstRevision(repo, 0.5);
    await Bun.write(join(cwd, "models.yaml"), configOf(entry("up", repo, "v1"), entry("twin", repo, "v1")));
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const twin = join(cwd, "cache", "twin", WEIGHTS);
    // A deduplicating tool (hardlink, rdfind, jdupes) made the two copies one inode.
    unlinkSync(twin);
    linkSync(cached, twin);
    hub.resetLog();
    await Bun.write(join(cwd, "models.yaml"), configOf(entry("up", repo, "main"), entry("twin", repo, "v1")));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(sha256OfFile(cached)).toBe(secondSha);
    expect(sha256OfFile(twin)).toBe(firstSha);
    expect(run.stderr).toMatch(/up: model\.safetensors: reused [\d.]+ MiB of 8\.0 MiB from the cache/);
    expect(xorbBytes(hub)).toBeLessThan(SIZE * 0.15);
    // The twin is still as the index recorded it: a later run asks nothing of it.
    hub.resetLog();
    const again = await runAgainst(hub, ["--verify-only"], { cwd });
    expect(again.code).toBe(0);
  });
});

describe("interruptions", () => {
  test("Ctrl-C in the middle of an upgrade: exit 130, the old file still whole at its path, the next run resumes and copies", async () => {
    const { cwd, cached, firstSha, secondSha } = await cachedFirstRevision("acme/odd-sigint", 0.5);
    hub.inject({ kind: "bandwidth", bytesPerSecond: 50_000, host: "cdn", route: "xorb", times: "always" });
    const proc = await spawnAgainst(hub, [], { cwd, env: { MODEL_MANAGER_CHUNK_SIZE: "1MiB" } });
    // The first half is copied from the cache; the changed chunks trickle in.
    await waitFor("a xorb request", () => hub.requests.some((record) => record.route === "xorb"));
    proc.kill("SIGINT");
    expect((await finished(proc)).code).toBe(130);
    expect(sha256OfFile(cached)).toBe(firstSha);
    expect(cacheIndexOf(cwd).models.up!.files[0]!.sha256).toBe(firstSha);
    hub.clearFaults();
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    expect(sha256OfFile(cached)).toBe(secondSha);
    expect(xorbBytes(hub)).toBeLessThan(SIZE * 0.15);
  }, 30_000);
});

describe("several models of one run", () => {
  test("two models naming the same Xet file: it is fetched once, the other model copies it", async () => {
    const repo = "acme/odd-two-models";
    seed += 2;
    const bytes = weightsLike(SIZE, seed);
    hub.addRepo({ id: repo, xet: true, files: { [WEIGHTS]: bytes } });
    const model = (id: string) => `  - id: ${id}\n    repo_id: ${repo}\n`;
    const cwd = project(`cache_dir: cache\nmodels:\n${model("a")}${model("b")}${model("c")}`);
    const run = await runAgainst(hub, ["-v"], { cwd });
    expect(run.stderr).not.toContain("error:");
    expect(run.code).toBe(0);
    for (const id of ["a", "b", "c"]) expect(sha256OfFile(join(cwd, "cache", id, WEIGHTS))).toBe(sha256Hex(bytes));
    // One model's worth of xorb bytes: the others copied every chunk.
    expect(xorbBytes(hub)).toBeLessThan(SIZE * 1.05);
    expect(run.stderr.match(/: model\.safetensors: reused 8\.0 MiB of 8\.0 MiB from the cache, fetched 0 B/g)).toHaveLength(2);
  });
});

describe("other settings an upgrade meets", () => {
  test("layout: hf with HF_HUB_DISABLE_SYMLINKS=1: the upgrade copies from the previous snapshot's own file", async () => {
    const repo = "acme/odd-hf-no-symlinks";
    const { secondSha } = await cachedFirstRevision(repo, 0.5);
    const hfConfig = (revision: string) => `cache_dir: hf\nlayout: hf\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${repo}\n    revision: ${revision}\n`;
    const cwd = project(hfConfig("v1"));
    const env = { HF_HUB_DISABLE_SYMLINKS: "1" };
    expect((await runAgainst(hub, [], { cwd, env })).code).toBe(0);
    hub.resetLog();
    await Bun.write(join(cwd, "models.yaml"), hfConfig("main"));
    const run = await runAgainst(hub, ["--json"], { cwd, env });
    expect(run.code).toBe(0);
    const model = parseJsonOutput(run.stdout, "download").models[0]! as { path: string; reusedBytes?: number };
    const file = join(model.path, WEIGHTS);
    expect(lstatSync(file).isFile()).toBe(true);
    expect(sha256OfFile(file)).toBe(secondSha);
    expect(model.reusedBytes ?? 0).toBeGreaterThan(SIZE * 0.85);
    expect(xorbBytes(hub)).toBeLessThan(SIZE * 0.15);
  });

  test("HF_HUB_OFFLINE with a revision not in the cache: exit 4 naming the model, no request, the cached file as it was", async () => {
    const { cwd, cached, firstSha } = await cachedFirstRevision("acme/odd-offline", 0.5);
    const run = await runAgainst(hub, [], { cwd, env: { HF_HUB_OFFLINE: "1" } });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`Model "up" is not in the cache`);
    expect(hub.requests).toEqual([]);
    expect(sha256OfFile(cached)).toBe(firstSha);
  });
});
