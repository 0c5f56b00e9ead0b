import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { json, type LocalHub } from "../local-hub/index.ts";

// A cache baked into a Docker layer or mounted `:ro` is read, never written.
const REPO = "acme/baked";
const FILES = { "config.json": json({ layers: 2 }), "tokenizer.json": json({ vocab: ["a"] }) };
const MODELS = `models:\n  - id: m\n    repo_id: ${REPO}\n  - id: other\n    repo_id: ${REPO}\n    files: [config.json]\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());
beforeEach(() => hub.resetLog());

type ReadOnly = { readonly cacheDir: string; readonly says: string; release(): Promise<void> };

async function sh(...command: string[]): Promise<boolean> {
  const proc = Bun.spawn(command, { stdout: "ignore", stderr: "ignore" });
  return (await proc.exited) === 0;
}

function canWrite(dir: string): boolean {
  try {
    writeFileSync(join(dir, ".probe"), "");
    return true;
  } catch {
    return false;
  }
}

/**
 * `<cwd>/cache` made read-only: as root, a read-only bind mount of it at `<cwd>/ro` (the original
 * stays writable, to touch files from outside); otherwise the folders lose their write permission.
 */
async function makeReadOnly(cwd: string): Promise<ReadOnly | string> {
  const cache = join(cwd, "cache");
  if (process.getuid?.() === 0) {
    const mountPoint = join(cwd, "ro");
    mkdirSync(mountPoint);
    if ((await sh("mount", "--bind", cache, mountPoint)) && (await sh("mount", "-o", "remount,ro,bind", mountPoint)) && !canWrite(mountPoint)) {
      return { cacheDir: mountPoint, says: `cache_dir ${mountPoint} is read-only`, release: async () => void (await sh("umount", mountPoint)) };
    }
    await sh("umount", mountPoint);
    return "root here cannot mount (no CAP_SYS_ADMIN) and ignores file permissions, so no read-only cache can be made";
  }
  const folders = [cache, join(cache, ".model-manager"), join(cache, "m"), join(cache, "other")];
  for (const folder of folders) chmodSync(folder, 0o555);
  return {
    cacheDir: cache,
    says: `cache_dir ${cache} is not writable by this user (permission denied)`,
    release: async () => folders.forEach((folder) => chmodSync(folder, 0o755)),
  };
}

let readOnly: ReadOnly | undefined;
afterEach(async () => {
  await readOnly?.release();
  readOnly = undefined;
});

/** A downloaded cache, then made read-only; the configuration points at the read-only view. */
async function bakedCache(): Promise<{ cwd: string; ro: ReadOnly } | undefined> {
  const cwd = project(`cache_dir: cache\n${MODELS}`);
  expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
  hub.resetLog();
  const made = await makeReadOnly(cwd);
  if (typeof made === "string") {
    console.warn(`skipped: ${made}`);
    return undefined;
  }
  readOnly = made;
  writeFileSync(join(cwd, "models.yaml"), `cache_dir: ${made.cacheDir}\n${MODELS}`);
  return { cwd, ro: made };
}

const warnings = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("warning:"));

describe("a read-only cache", () => {
  test("--verify-only and --list work, with one warning that the index could not be updated", async () => {
    const baked = await bakedCache();
    if (!baked) return;
    const verify = await runAgainst(hub, ["--verify-only", "--verify", "sha256"], { cwd: baked.cwd });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^OK +m .*\nOK +other /);
    expect(warnings(verify.stderr)).toEqual([`warning: ${baked.ro.says}, so its index could not be updated (when each model was verified, and which files failed)`]);
    const asJson = await runAgainst(hub, ["--verify-only", "--json"], { cwd: baked.cwd });
    expect(asJson.code).toBe(0);
    expect(JSON.parse(asJson.stdout).ok).toBe(true);

    const list = await runAgainst(hub, ["--list"], { cwd: baked.cwd });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/\nm +acme\/baked@main \([0-9a-f]{7}\) +cached/);
    expect(warnings(list.stderr)).toEqual([]);
    expect(hub.requests).toHaveLength(0);
    expect(readdirSync(join(baked.ro.cacheDir, ".model-manager", "locks"))).toEqual([]);
  });

  test("a run where everything is cached serves it; files touched since are re-checked, with one warning for the run", async () => {
    const baked = await bakedCache();
    if (!baked) return;
    const cached = await runAgainst(hub, ["-q"], { cwd: baked.cwd });
    expect(cached.code).toBe(0);
    expect(cached.stdout).toBe(`m\t${join(baked.ro.cacheDir, "m")}\nother\t${join(baked.ro.cacheDir, "other")}\n`);
    expect(cached.stderr).toBe("");

    // Touched through the writable original (as a layer below a container's view might be).
    for (const model of ["m", "other"]) {
      const path = join(baked.cwd, "cache", model, "config.json");
      const later = new Date(statSync(path).mtimeMs + 5_000);
      utimesSync(path, later, later);
    }
    const rechecked = await runAgainst(hub, [], { cwd: baked.cwd });
    expect(rechecked.code).toBe(0);
    expect(rechecked.stderr).toContain("m: checking 1 file at level sha256");
    expect(rechecked.stderr).toContain("other: checking 1 file at level sha256");
    expect(warnings(rechecked.stderr)).toEqual([`warning: ${baked.ro.says}, so its index could not be updated (changed files are checked again on every run)`]);
    expect(hub.requests).toHaveLength(0);
  });

  test("a run that must write says the cache is read-only and exits 1, without a request", async () => {
    const baked = await bakedCache();
    if (!baked) return;
    writeFileSync(join(baked.cwd, "models.yaml"), `cache_dir: ${baked.ro.cacheDir}\n${MODELS}  - id: new\n    repo_id: ${REPO}\n    files: [tokenizer.json]\n`);
    const run = await runAgainst(hub, ["-q"], { cwd: baked.cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${baked.ro.says}; `);
    expect(run.stderr).toContain("error: new: has to be downloaded\n");
    expect(run.stdout).toContain(`m\t${join(baked.ro.cacheDir, "m")}\n`);
    expect(hub.requests).toHaveLength(0);

    // A cache_dir still to be created inside the read-only folder is judged by that folder.
    const inside = await runAgainst(hub, ["-q", "--cache-dir", join(baked.ro.cacheDir, "sub")], { cwd: baked.cwd });
    expect(inside.code).toBe(1);
    // …and named by the option that chose it.
    expect(inside.stderr).toContain(`error: ${baked.ro.says.replace(`cache_dir ${baked.ro.cacheDir}`, `--cache-dir ${join(baked.ro.cacheDir, "sub")}`)}; `);

    const clean = await runAgainst(hub, ["--clean-model", "m"], { cwd: baked.cwd });
    expect(clean.code).toBe(1);
    expect(clean.stderr).toContain(baked.ro.says);

    // Every model meets the same cause: said once, then one short line per model.
    const cleanAll = await runAgainst(hub, ["--clean"], { cwd: baked.cwd });
    expect(cleanAll.code).toBe(1);
    expect(cleanAll.stderr.split("\n").filter((line) => line.startsWith("error:"))).toEqual([
      `error: ${baked.ro.says}; mount it writable, or choose another cache with --cache-dir`,
      "error: m: cannot be changed there",
      "error: other: cannot be changed there",
    ]);
    expect(cleanAll.stdout).toContain("new: not in the cache, nothing to remove");
    expect(existsSync(join(baked.ro.cacheDir, "m", "config.json"))).toBe(true);
  });

  test("--verify-only's warning and --clean-model's error name --cache-dir when it chose the cache", async () => {
    const baked = await bakedCache();
    if (!baked) return;
    writeFileSync(join(baked.cwd, "models.yaml"), `cache_dir: elsewhere\n${MODELS}`);
    const says = baked.ro.says.replace(`cache_dir ${baked.ro.cacheDir}`, `--cache-dir ${baked.ro.cacheDir}`);
    const verify = await runAgainst(hub, ["--verify-only", "--cache-dir", baked.ro.cacheDir], { cwd: baked.cwd });
    expect(verify.code).toBe(0);
    expect(warnings(verify.stderr)).toEqual([`warning: ${says}, so its index could not be updated (when each model was verified, and which files failed)`]);
    const clean = await runAgainst(hub, ["--clean-model", "m", "--cache-dir", baked.ro.cacheDir], { cwd: baked.cwd });
    expect(clean.code).toBe(1);
    expect(clean.stderr).toContain(`error: ${says}; `);
    expect(clean.stderr).not.toContain("cache_dir");
    expect(hub.requests).toHaveLength(0);
  });
});
