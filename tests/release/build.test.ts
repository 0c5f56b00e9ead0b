import { describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifactName, buildCommit, compile, RELEASE_TARGETS, type ReleaseTarget } from "../../build.ts";
import pkg from "../../package.json" with { type: "json" };
import { binaryPath, REPO_ROOT, run, runBuild, tempDir } from "../helpers/binary.ts";
import { inspectBinary } from "./binfmt.ts";
import { RELEASE_BUILD_TIMEOUT_MS, releaseBuild } from "./release-build.ts";

/** Runs with a bare environment: PATH plus `env`. */
function runIn(cwd: string, cmd: string[], env: Record<string, string> = {}) {
  return run(cmd, { cwd, env: { PATH: process.env.PATH ?? "", ...env } });
}

const COMMIT = /^([0-9a-f]{7,40})(-dirty)?$|^unknown$/;
const IN_GIT_CHECKOUT = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: REPO_ROOT, stderr: "ignore" }).success;

describe("host binary", () => {
  test("--version prints model-manager <version> (<commit>), not Bun's version", async () => {
    const { code, stdout, stderr } = await runIn(tempDir("mm-version"), [await binaryPath(), "--version"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const match = /^model-manager (\S+) \((\S+)\)\n$/.exec(stdout);
    expect(match).not.toBeNull();
    expect(match?.[1]).toBe(pkg.version);
    const commit = match?.[2] ?? "";
    expect(commit).toMatch(COMMIT);
    expect(stdout).not.toContain(Bun.version);
    expect(stdout).not.toContain("bun-v");
    // "unknown" only outside a git checkout; inside one, a commit of this repository.
    const hash = COMMIT.exec(commit)?.[1];
    expect(hash !== undefined).toBe(IN_GIT_CHECKOUT);
    if (hash) expect(Bun.spawnSync(["git", "cat-file", "-e", `${hash}^{commit}`], { cwd: REPO_ROOT }).success).toBe(true);
  });

  describe("ignores bunfig.toml and .env in the working directory", () => {
    function hostileDir(): { dir: string; marker: string } {
      const dir = tempDir("mm-hostile");
      const marker = join(dir, "preload-ran");
      writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./evil.ts"]\n');
      writeFileSync(join(dir, "evil.ts"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
      writeFileSync(join(dir, ".env"), "MM_DOTENV_PROBE=loaded\n");
      return { dir, marker };
    }

    /** An entrypoint that reports what Bun loaded before it ran. */
    function probeEntry(dir: string, marker: string): string {
      const entry = join(dir, "probe-entry.ts");
      writeFileSync(
        entry,
        `const fs = require("node:fs");\n` +
          `console.log(JSON.stringify({ dotenv: process.env.MM_DOTENV_PROBE ?? null, env: process.env.MM_PASSED ?? null, preload: fs.existsSync(${JSON.stringify(marker)}) }));\n`,
      );
      return entry;
    }

    test("the model-manager binary runs no preload", async () => {
      const { dir, marker } = hostileDir();
      const binary = await binaryPath();
      const plain = await runIn(tempDir("mm-plain"), [binary, "--version"]);
      const hostile = await runIn(dir, [binary, "--version"]);
      expect(await Bun.file(marker).exists()).toBe(false);
      expect(hostile).toEqual(plain);
    });

    test("a probe compiled with build.ts's settings loads neither", async () => {
      const { dir, marker } = hostileDir();
      const probe = join(tempDir("mm-probe"), "probe");
      await compile({ outfile: probe, commit: "test", entrypoints: [probeEntry(tempDir("mm-probe-src"), marker)] });
      const result = await runIn(dir, [probe], { MM_PASSED: "yes" });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({ dotenv: null, env: "yes", preload: false });
      expect(await Bun.file(marker).exists()).toBe(false);
    }, 60_000);

    // Shows the fixture would catch a regression: Bun's defaults load both.
    test("sanity: a probe compiled with Bun's defaults loads both", async () => {
      const { dir, marker } = hostileDir();
      const probe = join(tempDir("mm-probe-default"), "probe");
      const result = await Bun.build({ entrypoints: [probeEntry(tempDir("mm-probe-src"), marker)], compile: { outfile: probe } });
      expect(result.success).toBe(true);
      const ran = await runIn(dir, [probe], { MM_PASSED: "yes" });
      expect(JSON.parse(ran.stdout)).toEqual({ dotenv: "loaded", env: "yes", preload: true });
    }, 60_000);
  });
});

describe("build.ts", () => {
  test("an unknown target fails with the list of valid ones", async () => {
    const error = await runBuild(["--targets", "linux-x86", "--outdir", tempDir("mm-bad-target")]).catch((e: Error) => e.message);
    expect(error).toContain("exited 1");
    expect(error).toContain('unknown target(s) "linux-x86"');
    for (const target of Object.keys(RELEASE_TARGETS)) expect(error).toContain(target);
  });

  test("the commit is a short hash, -dirty when tracked files have changes, unknown outside git", () => {
    expect(buildCommit()).toMatch(COMMIT);
    const repo = tempDir("mm-commit");
    expect(buildCommit(repo)).toBe("unknown");
    const git = (...args: string[]) => Bun.spawnSync(["git", "-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo }).stdout.toString().trim();
    git("init", "-q");
    writeFileSync(join(repo, "a.txt"), "one");
    git("add", "a.txt");
    git("commit", "-q", "-m", "one");
    const head = git("rev-parse", "--short", "HEAD");
    expect(head).toMatch(/^[0-9a-f]{7,}$/);
    writeFileSync(join(repo, "untracked.txt"), "results of a benchmark");
    expect(buildCommit(repo)).toBe(head);
    writeFileSync(join(repo, "a.txt"), "two");
    expect(buildCommit(repo)).toBe(`${head}-dirty`);
  });
});

/** What each target's header says (matched as a subset of inspectBinary's result). */
const EXPECTED: Record<ReleaseTarget, Partial<Record<string, unknown>>> = {
  "linux-x64": { format: "elf", machine: "x86-64", interp: "/lib64/ld-linux-x86-64.so.2" },
  "linux-arm64": { format: "elf", machine: "aarch64", interp: "/lib/ld-linux-aarch64.so.1" },
  "linux-x64-musl": { format: "elf", machine: "x86-64", interp: "/lib/ld-musl-x86_64.so.1" },
  "linux-arm64-musl": { format: "elf", machine: "aarch64", interp: "/lib/ld-musl-aarch64.so.1" },
  "darwin-x64": { format: "macho", cpu: "x86_64" },
  "darwin-arm64": { format: "macho", cpu: "arm64" },
  "windows-x64": { format: "pe", machine: "x64", pe32plus: true },
};

describe("build.ts --targets all", () => {
  test("builds every release binary, plus SHA256SUMS and nothing else", async () => {
    const { dir, output, seconds } = await releaseBuild();
    console.log(`build.ts --targets all took ${seconds.toFixed(1)} s`);
    const expected = Object.keys(RELEASE_TARGETS).map((t) => artifactName(t as ReleaseTarget));
    expect(readdirSync(dir).sort()).toEqual([...expected, "SHA256SUMS"].sort());
    for (const name of expected) expect(output).toMatch(new RegExp(`${name}  \\d+\\.\\d MiB`));
  }, RELEASE_BUILD_TIMEOUT_MS);

  for (const [target, expected] of Object.entries(EXPECTED)) {
    test(`${artifactName(target as ReleaseTarget)} is ${JSON.stringify(expected)} and embeds this build`, async () => {
      const { dir, commit } = await releaseBuild();
      const path = join(dir, artifactName(target as ReleaseTarget));
      const info = await inspectBinary(path);
      expect(info).toMatchObject(expected);
      // The app is embedded (an error code of src/errors.ts, and its BUILD_COMMIT define when built in a checkout).
      // A bare or stripped runtime would lack both.
      const bytes = await Bun.file(path).bytes();
      const contents = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(contents.includes("UNSAFE_PATH")).toBe(true);
      expect(commit === "unknown").toBe(!IN_GIT_CHECKOUT);
      if (IN_GIT_CHECKOUT) expect(contents.includes(commit)).toBe(true);
    }, RELEASE_BUILD_TIMEOUT_MS);
  }

  test("SHA256SUMS lists every binary with its sha256, in sha256sum format", async () => {
    const { dir } = await releaseBuild();
    const lines = (await Bun.file(join(dir, "SHA256SUMS")).text()).trimEnd().split("\n");
    const listed = new Map<string, string>();
    for (const line of lines) {
      const match = /^([0-9a-f]{64}) {2}(\S+)$/.exec(line);
      expect(match, line).not.toBeNull();
      if (match?.[1] && match[2]) listed.set(match[2], match[1]);
    }
    expect([...listed.keys()].sort()).toEqual(Object.keys(RELEASE_TARGETS).map((t) => artifactName(t as ReleaseTarget)).sort());
    for (const [name, sum] of listed) {
      const hasher = new Bun.CryptoHasher("sha256");
      for await (const chunk of Bun.file(join(dir, name)).stream()) hasher.update(chunk);
      expect(hasher.digest("hex"), name).toBe(sum);
    }
  }, RELEASE_BUILD_TIMEOUT_MS);

  test.skipIf(process.platform !== "linux" || process.arch !== "x64")("the linux-x64 release binary runs here", async () => {
    const { dir, commit } = await releaseBuild();
    const { code, stdout } = await runIn(tempDir("mm-release-run"), [join(dir, artifactName("linux-x64")), "--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`model-manager ${pkg.version} (${commit})\n`);
  }, RELEASE_BUILD_TIMEOUT_MS);
});
