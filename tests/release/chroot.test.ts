/**
 * The binary stands alone: it runs in a root filesystem that holds only itself, its C library
 * and loader, a CA bundle and an empty /tmp (plus the /proc every container runtime mounts).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { artifactName } from "../../build.ts";
import pkg from "../../package.json" with { type: "json" };
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { generated, json, LocalHub, type RepoDecl } from "../local-hub/index.ts";
import { RELEASE_BUILD_TIMEOUT_MS, releaseBuild } from "./release-build.ts";
import {
  glibcRootfs,
  isolationUnavailable,
  muslRootfs,
  muslUnavailable,
  type Rootfs,
  type RootfsOptions,
  type RunResult,
} from "./rootfs.ts";

const CONFIG_PATH = "/work/config/model_manager/models.yaml";
const CONFIG = `cache_dir: models
verify: sha256
models:
  - id: tiny
    repo_id: test-org/tiny-model
    revision: main
    files:
      - config.json
`;

const TINY_REPO: RepoDecl = { id: "test-org/tiny-model", files: { "config.json": json({ model_type: "bert" }), "model.safetensors": generated(600_000) } };
const DOWNLOAD_CONFIG = `cache_dir: /work/models
verify: sha256
models:
  - id: tiny
    repo_id: test-org/tiny-model
`;

const LOADER_FAILURE = /error while loading shared libraries|Error loading shared library|Error relocating|panic\(|Bun has crashed/;

const noIsolation = isolationUnavailable();
if (noIsolation) console.warn(`SKIP root filesystem tests: ${noIsolation}`);
const noMusl = noIsolation ?? muslUnavailable();
if (noMusl && !noIsolation) console.warn(`SKIP musl root filesystem tests: ${noMusl}`);

type Flavour = {
  name: string;
  skip: string | undefined;
  /** The binary that goes into the root. */
  binary(): Promise<string>;
  /** The same program built for this host, run outside the root for comparison. */
  reference(): Promise<string>;
  make(binary: string, options?: RootfsOptions): Promise<Rootfs>;
};

const releaseArtifact = async (name: Parameters<typeof artifactName>[0]) => join((await releaseBuild()).dir, artifactName(name));

const FLAVOURS: Flavour[] = [
  { name: "glibc host build", skip: noIsolation, binary: binaryPath, reference: binaryPath, make: glibcRootfs },
  {
    name: "musl release build (linux-x64-musl)",
    skip: noMusl,
    binary: () => releaseArtifact("linux-x64-musl"),
    reference: () => releaseArtifact("linux-x64"),
    make: muslRootfs,
  },
];

function expectLoaded(result: RunResult): void {
  expect(result.stderr).not.toMatch(LOADER_FAILURE);
  expect(result.code).not.toBeNull(); // not killed by a signal
  expect(result.code).not.toBe(127);
}

for (const flavour of FLAVOURS) {
  describe.skipIf(flavour.skip !== undefined)(mustRunOnCI(`${flavour.name} in a minimal root`), () => {
    async function root(options?: RootfsOptions): Promise<Rootfs> {
      const rootfs = await flavour.make(await flavour.binary(), options);
      rootfs.write(CONFIG_PATH, CONFIG);
      return rootfs;
    }

    async function expectSameAsHost(rootfs: Rootfs, args: string[]): Promise<RunResult> {
      const inRoot = await rootfs.run(args);
      expectLoaded(inRoot);
      expect(inRoot).toEqual(await rootfs.runOnHost(await flavour.reference(), args));
      return inRoot;
    }

    test("--version", async () => {
      const result = await (await root()).run(["--version"]);
      expectLoaded(result);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toStartWith(`model-manager ${pkg.version} (`);
    }, RELEASE_BUILD_TIMEOUT_MS);

    test("--help behaves exactly as on the host", async () => {
      await expectSameAsHost(await root(), ["--help"]);
    }, RELEASE_BUILD_TIMEOUT_MS);

    test("--list on a config inside the root behaves exactly as on the host", async () => {
      await expectSameAsHost(await root(), ["--list", "--config", "config/model_manager/models.yaml"]);
    }, RELEASE_BUILD_TIMEOUT_MS);

    // Start-up needs none of these. Later, Bun 1.4.4 behaves like this: without /tmp, os.tmpdir()
    // is still "/tmp" and creating files there fails with ENOENT; without HOME, os.homedir() throws
    // "ENOENT: no such file or directory, uv_os_homedir"; the CA bundle is only read with
    // NODE_USE_SYSTEM_CA=1 (fetch trusts Bun's built-in roots). Downloads: see the todos below.
    const degraded: [string, RootfsOptions, Record<string, string | undefined>][] = [
      ["without /tmp", { tmp: false }, {}],
      ["without HOME", {}, { HOME: undefined }],
      ["without the CA bundle", { caBundle: false }, {}],
    ];
    for (const [label, options, env] of degraded) {
      test(`${label}, --version and --help work as in the full root`, async () => {
        const full = await root();
        const partial = await root(options);
        for (const args of [["--version"], ["--help"]]) {
          const result = await partial.run(args, { env });
          expectLoaded(result);
          expect(result).toEqual(await full.run(args));
        }
      }, RELEASE_BUILD_TIMEOUT_MS);
    }

    // Containers run with `--user 1234` or an emptied environment have no HOME; Bun's os.homedir()
    // then throws, so the token lookup must not depend on it.
    test("without HOME, --list and --cache-key work when the config sets cache_dir", async () => {
      const rootfs = await root();
      for (const args of [["--list"], ["--cache-key"]]) {
        const result = await rootfs.run([...args, "--config", "config/model_manager/models.yaml"], { env: { HOME: undefined } });
        expectLoaded(result);
        expect({ args, code: result.code, error: result.stderr.includes("error") }).toEqual({ args, code: 0, error: false });
      }
    }, RELEASE_BUILD_TIMEOUT_MS);

    describe("downloads from the local hub (the root shares the host's network)", () => {
      let hub: LocalHub;
      beforeAll(async () => {
        hub = await LocalHub.start({ repos: [TINY_REPO], dataDir: tempDir("chroot-hub") });
      });
      afterAll(() => hub?.stop());

      async function downloadedRoot(options?: RootfsOptions, env: Record<string, string | undefined> = {}, config = DOWNLOAD_CONFIG) {
        const rootfs = await flavour.make(await flavour.binary(), options);
        rootfs.write(CONFIG_PATH, config);
        const result = await rootfs.run(["--config", "config/model_manager/models.yaml"], { env: { HF_ENDPOINT: hub.url, ...env } });
        expectLoaded(result);
        return { rootfs, result };
      }

      function expectHubBytes(rootfs: Rootfs): void {
        for (const path of ["config.json", "model.safetensors"]) {
          const onDisk = new Bun.CryptoHasher("sha256").update(readFileSync(join(rootfs.dir, "work", "models", "tiny", path))).digest("hex");
          expect({ path, sha256: onDisk }).toEqual({ path, sha256: hub.file(TINY_REPO.id, path)?.sha256 as string });
        }
      }

      test("downloads and verifies a model into the root's cache, leaving nothing else behind", async () => {
        const { rootfs, result } = await downloadedRoot();
        expect(result.stderr).not.toContain("error");
        expect(result.code).toBe(0);
        expect(result.stdout).toBe("tiny\t/work/models/tiny\n");
        expectHubBytes(rootfs);
        expect(readdirSync(join(rootfs.dir, "work", "models", ".model-manager", "partial"))).toEqual([]);
        expect(readdirSync(join(rootfs.dir, "tmp"))).toEqual([]);
      }, RELEASE_BUILD_TIMEOUT_MS);

      test("--list after the download reports the model as cached without contacting the hub", async () => {
        const { rootfs } = await downloadedRoot();
        hub.resetLog();
        const list = await rootfs.run(["--list", "--config", "config/model_manager/models.yaml"], { env: { HF_ENDPOINT: hub.url } });
        expect(list.code).toBe(0);
        expect(list.stdout).toMatch(/\ntiny\s+test-org\/tiny-model@main \([0-9a-f]{7}\)\s+cached\s+2\s/);
        expect(hub.requests).toHaveLength(0);
      }, RELEASE_BUILD_TIMEOUT_MS);

      test("--verify-only passes offline, and fails naming the model and the file after one byte is flipped", async () => {
        const { rootfs } = await downloadedRoot();
        const verify = (args: string[] = []) => rootfs.run(["--verify-only", "--config", "config/model_manager/models.yaml", ...args], { env: { HF_ENDPOINT: "http://127.0.0.1:9" } });
        expect((await verify()).code).toBe(0);
        const path = join(rootfs.dir, "work", "models", "tiny", "model.safetensors");
        const bytes = readFileSync(path);
        bytes[100] = (bytes[100] ?? 0) ^ 1;
        writeFileSync(path, bytes);
        const failed = await verify();
        expect(failed.code).toBe(3);
        expect(failed.stdout).toContain("FAILED      tiny");
        expect(failed.stdout).toContain("model.safetensors: wrong sha256");
      }, RELEASE_BUILD_TIMEOUT_MS);

      test("downloads without /tmp: temporary files live in the cache", async () => {
        const { rootfs, result } = await downloadedRoot({ tmp: false });
        expect(result.code).toBe(0);
        expectHubBytes(rootfs);
      }, RELEASE_BUILD_TIMEOUT_MS);

      test("without HOME and without cache_dir, the default cache (./models) needs no HOME", async () => {
        const { rootfs, result } = await downloadedRoot({}, { HOME: undefined }, DOWNLOAD_CONFIG.replace("cache_dir: /work/models\n", ""));
        expect(result.code).toBe(0);
        expectHubBytes(rootfs);
      }, RELEASE_BUILD_TIMEOUT_MS);
    });
  });
}

describe.skipIf(noIsolation !== undefined)(mustRunOnCI("glibc host build without /proc"), () => {
  // Characterises Bun 1.4.4, not a choice of ours: the glibc build aborts when /proc is not
  // mounted (the musl build runs). Every container runtime mounts /proc; a bare chroot does not.
  // When this starts failing, Bun fixed it: drop the test and the note in the report.
  test("aborts at start-up with Bun's crash report", async () => {
    const rootfs = await glibcRootfs(await binaryPath(), { proc: false });
    const result = await rootfs.run(["--version"]);
    expect(result.code).toBeNull();
    expect(result.stderr).toContain("panic(main thread): abort() called");
  });
});
