import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { json, type LocalHub } from "../local-hub/index.ts";

// Filesystem failures name the path and the fix, with exit 1, and a cause shared by every model is said once.
const LONG_NAME = `${"n".repeat(300)}.json`;
let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: "acme/one", files: { "config.json": json({ a: 1 }) } },
      { id: "acme/two", files: { "config.json": json({ b: 2 }) } },
      { id: "acme/long-names", files: { "config.json": json({ c: 3 }), [LONG_NAME]: json({ long: true }) } },
    ],
  });
});
afterAll(() => hub.stop());

const models = "models:\n  - id: one\n    repo_id: acme/one\n  - id: two\n    repo_id: acme/two\n";
const errors = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("error:"));

describe("filesystem errors", () => {
  test("cache_dir that is a file: said once for the run, naming it and the fix; no request", async () => {
    const cwd = project(`cache_dir: cache\n${models}`);
    writeFileSync(join(cwd, "cache"), "not a folder\n");
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(errors(run.stderr)).toEqual([
      `error: cache_dir ${join(cwd, "cache")} is not a folder (a file stands where it, or a folder above it, should be); move that file away, or choose another cache with --cache-dir`,
      "error: one: has to be downloaded",
      "error: two: has to be downloaded",
    ]);
    expect(hub.requests).toHaveLength(0);
  });

  test("--list, --verify-only and --clean on a cache path that is a file or a dangling link say why nothing is there; no request", async () => {
    const cwd = project(`cache_dir: cache\n${models}`);
    writeFileSync(join(cwd, "cache"), "not a folder\n");
    symlinkSync(join(cwd, "unmounted", "volume"), join(cwd, "dangling"));
    hub.resetLog();
    for (const [cache, says] of [
      [[], `cache_dir ${join(cwd, "cache")} is not a folder (a file stands where it, or a folder above it, should be), so nothing can be cached there; move that file away`],
      [["--cache-dir", "dangling"], `--cache-dir ${join(cwd, "dangling")} is (or is inside) a symlink that leads nowhere (its target is missing), so nothing can be cached there; create the target`],
    ] as const) {
      for (const [action, code] of [["--list", 0], ["--verify-only", 4], ["--clean", 0]] as const) {
        const run = await runAgainst(hub, [action, ...cache], { cwd });
        expect(run.code).toBe(code);
        expect(run.stderr.split("\n").filter((line) => line.startsWith("warning:"))).toEqual([expect.stringContaining(`warning: ${says}`)]);
      }
    }
    expect(hub.requests).toHaveLength(0);
  });

  test("a folder above cache_dir that is a file is found the same way", async () => {
    const cwd = project(`cache_dir: blocked/cache\n${models}`);
    writeFileSync(join(cwd, "blocked"), "");
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: cache_dir ${join(cwd, "blocked", "cache")} is not a folder`);
    expect(run.stderr).not.toContain("unexpected failure");
  });

  test("--list, --clean and --clean-model on a cache_dir that is a file: nothing is cached there, no raw ENOTDIR", async () => {
    const cwd = project(`cache_dir: cache\n${models}`);
    writeFileSync(join(cwd, "cache"), "not a folder\n");
    const list = await runAgainst(hub, ["--list"], { cwd });
    expect(list.stderr).not.toContain("ENOTDIR");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^one\s.*\smissing\s/m);
    for (const args of [["--clean"], ["--clean-model", "two"]]) {
      const clean = await runAgainst(hub, args, { cwd });
      expect(clean.stderr).not.toContain("ENOTDIR");
      expect(clean.code).toBe(0);
      expect(clean.stdout + clean.stderr).toContain("two: not in the cache, nothing to remove");
    }
    expect(readFileSync(join(cwd, "cache"), "utf8")).toBe("not a folder\n");
  });

  test("cache_dir a symlink to a volume that is not there: said once, naming it, no request, nothing created", async () => {
    const cwd = project(`cache_dir: cache\n${models}`);
    symlinkSync(join(cwd, "unmounted", "volume"), join(cwd, "cache"));
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(errors(run.stderr)).toEqual([
      `error: cache_dir ${join(cwd, "cache")} is (or is inside) a symlink that leads nowhere (its target is missing); create the target or mount the volume it points to, or choose another cache with --cache-dir`,
      "error: one: has to be downloaded",
      "error: two: has to be downloaded",
    ]);
    expect(hub.requests).toHaveLength(0);
    expect(existsSync(join(cwd, "unmounted"))).toBe(false);
  });

  test("cache_dir a symlink loop: --list, --verify-only and a run say it once, naming it, exit 1, no raw ELOOP", async () => {
    const cwd = project(`cache_dir: cache\n${models}`);
    symlinkSync("cache", join(cwd, "cache"));
    hub.resetLog();
    for (const args of [["--list"], ["--verify-only"], [], ["--clean"]]) {
      const run = await runAgainst(hub, args, { cwd });
      expect(run.stderr).not.toContain("ELOOP");
      expect(errors(run.stderr)).toEqual([`error: cache_dir ${join(cwd, "cache")} is (or is inside) a symlink loop (too many levels of symbolic links); point the link at a real folder, or choose another cache with --cache-dir`]);
      expect(run.stderr).not.toContain("warning:");
      expect(run.code).toBe(1);
    }
    expect(hub.requests).toHaveLength(0);
  });

  test("cache_dir longer than the filesystem allows: said once with the path, exit 1, no raw ENAMETOOLONG", async () => {
    const cacheDir = join("/tmp", ...Array.from({ length: 20 }, () => "d".repeat(250)));
    const cwd = project(`cache_dir: ${cacheDir}\n${models}`);
    for (const args of [["--list"], ["--verify-only"], []]) {
      const run = await runAgainst(hub, args, { cwd });
      expect(run.stderr).not.toContain("ENAMETOOLONG");
      expect(errors(run.stderr)).toEqual([`error: cache_dir ${cacheDir} is too long for the filesystem (a path over its limit, or a folder name over 255 bytes); choose a shorter one, or another cache with --cache-dir`]);
      expect(run.code).toBe(1);
    }
  });

  test("a model folder too long for the filesystem is named with what chose the cache (cache_dir, --cache-dir…), no raw ENAMETOOLONG", async () => {
    // Every folder name within the limit (the configuration refuses longer ones), the whole path over PATH_MAX.
    const localDir = Array.from({ length: 20 }, () => "l".repeat(250)).join("/");
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: one\n    repo_id: acme/one\n    local_dir: ${localDir}\n`);
    for (const [args, folder, chosenBy] of [
      [[], "cache", "cache_dir"],
      [["--cache-dir", "elsewhere"], "elsewhere", "--cache-dir"],
    ] as const) {
      const run = await runAgainst(hub, args, { cwd });
      expect(run.stderr).not.toContain("ENAMETOOLONG");
      expect(run.stderr).not.toContain("The file name");
      expect(errors(run.stderr)).toEqual([expect.stringMatching(new RegExp(`^error: one: The path ${join(cwd, folder)}/l+/.*/config\\.json is too long for its filesystem; choose a shorter ${chosenBy} or local_dir$`))]);
      expect(run.code).toBe(1);
    }
  });

  test("a file name from the Hub too long for the filesystem is named, with the way to leave it out", async () => {
    const cwd = project("cache_dir: cache\nmodels:\n  - id: long\n    repo_id: acme/long-names\n");
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The file name "${LONG_NAME}" from acme/long-names is too long for the filesystem holding ${join(cwd, "cache", "long")}; leave it out with exclude: in the configuration`);
    expect(run.stderr).not.toContain("unexpected failure");
    writeFileSync(join(cwd, "models.yaml"), `cache_dir: cache\nmodels:\n  - id: long\n    repo_id: acme/long-names\n    exclude: ["nnnn*"]\n`);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
  });

  test.skipIf(process.getuid?.() !== 0)("a model folder on a read-only mount inside a writable cache: the path that cannot be written is named (needs root to mount)", async () => {
    const cwd = project(`cache_dir: cache\n${models}`);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const folder = join(cwd, "cache", "one");
    writeFileSync(join(folder, "config.json"), "damaged!\n");
    const mounted = Bun.spawnSync(["mount", "--bind", folder, folder]).success && Bun.spawnSync(["mount", "-o", "remount,ro,bind", folder]).success;
    try {
      if (!mounted) return void console.warn("skipped: cannot bind-mount here");
      const run = await runAgainst(hub, [], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error: one: ${join(folder, "config.json")} is not writable (read-only filesystem); give this user write access or mount it writable`);
      expect(run.stderr).toContain("two: cached");
      expect(run.stderr).not.toContain("unexpected failure");
    } finally {
      Bun.spawnSync(["umount", folder]);
    }
  });
});
