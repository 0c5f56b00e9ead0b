/**
 * The binary stands alone: it runs in a root filesystem that holds only itself, its C library
 * and loader, a CA bundle and an empty /tmp (plus the /proc every container runtime mounts).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { artifactName } from "../../build.ts";
import pkg from "../../package.json" with { type: "json" };
import { binaryPath } from "../helpers/binary.ts";
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
  describe.skipIf(flavour.skip !== undefined)(`${flavour.name} in a minimal root`, () => {
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

    // For the lead, once downloads land. Each starts the hub emulator (tests/local-hub/) as a separate
    // process on 127.0.0.1:<random port> serving a fixture repo test-org/tiny-model (config.json and
    // a few-KiB model.safetensors with known sha256), writes a config into the root with
    // cache_dir /work/models and verify sha256, and runs the binary with
    // HF_ENDPOINT=http://127.0.0.1:<port> (the root shares the host's network).
    //
    // `model-manager --config config/model_manager/models.yaml` exits 0; every file is under
    // /work/models/<local_dir>/ with the hub's bytes (sha256 compared); no temporary or partial
    // files are left anywhere in the root; nothing is written outside /work and /tmp.
    test.todo("downloads a model from the local hub into the root's cache");
    // After that download: exit 0, the output names `tiny` as cached, and the hub's request log
    // shows no new request (listing is offline).
    test.todo("--list after the download reports the model as cached without contacting the hub");
    // After that download, with the hub stopped: exit 0. Then flip one byte of model.safetensors
    // inside the root: non-zero exit, and the message names the model id and the file.
    test.todo("--verify-only passes on the downloaded cache, and fails naming the file after one byte is flipped");
    // Root built with { tmp: false }: the download still succeeds (temporary files belong next to
    // their destination in the cache, not in os.tmpdir(), which stays "/tmp" and gives ENOENT).
    test.todo("downloads without /tmp");
    // Root with HOME unset and a config without cache_dir: either a documented default that needs
    // no HOME, or a one-line error naming HOME and --cache-dir/cache_dir (Bun's os.homedir() throws
    // "ENOENT: no such file or directory, uv_os_homedir" there).
    test.todo("without HOME and without cache_dir, a clear error or a HOME-free default");
    // Hub served over HTTPS with a certificate from a test CA (openssl in the test). Without
    // NODE_EXTRA_CA_CERTS: non-zero exit and a message naming the certificate problem and the fix
    // (Bun's own error is "unable to verify the first certificate", code UNABLE_TO_VERIFY_LEAF_SIGNATURE).
    // With NODE_EXTRA_CA_CERTS=/work/ca.crt, or the CA appended to the root's bundle plus
    // NODE_USE_SYSTEM_CA=1: the download succeeds.
    test.todo("an HTTPS endpoint signed by a private CA fails clearly, and works with NODE_EXTRA_CA_CERTS");
  });
}

describe.skipIf(noIsolation !== undefined)("glibc host build without /proc", () => {
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
