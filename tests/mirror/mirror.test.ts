import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { expectSameBytes, project, runAgainst, spawnAgainst, startHub, waitFor } from "../helpers/hub-scenario.ts";
import { finished } from "../helpers/run-cli.ts";
import { ENCODER, ENCODER_FILES, encoderAndTagger, TAGGER } from "../helpers/encoder-and-tagger.ts";
import { bucketClient, copyBucketTo, motoMissing, type S3Server, type StaticServerControl, startMoto, startS3rver, staticServer } from "../helpers/s3-servers.ts";
import type { LocalHub } from "../local-hub/index.ts";

const BUCKET = "fleet";

const skipMoto = motoMissing();
if (skipMoto) console.warn(`skipping the moto mirror tests: ${skipMoto}`);

let hub: LocalHub;
let moto: S3Server;
let prefixes = 0;

beforeAll(async () => {
  // The encoder's weights are larger than the multipart part size (8 MiB): pushed as a multipart upload.
  hub = await startHub({ repos: encoderAndTagger(9_000_000, "m") });
  if (!skipMoto) moto = await startMoto([BUCKET]);
});

afterAll(async () => {
  await hub.stop();
  await moto?.stop();
});

const CONFIG = `cache_dir: cache\nverify: size\nmodels:\n  - id: encoder\n    repo_id: ${ENCODER}\n  - id: tagger\n    repo_id: ${TAGGER}\n`;
const freshPrefix = () => `s3://${BUCKET}/team-${++prefixes}`;
const hubRequests = () => hub.requests.length;

/** A fresh push of CONFIG's models, copied into a folder for a static file server (whose requests a test can see). */
async function pushedFolder(): Promise<string> {
  const mirror = freshPrefix();
  expect((await runAgainst(hub, ["push", mirror], { cwd: project(CONFIG), env: moto.env })).code).toBe(0);
  const folder = tempDir("mm-static-mirror");
  await copyBucketTo(bucketClient(moto, BUCKET), mirror.slice(`s3://${BUCKET}/`.length), folder);
  return folder;
}

/** Small ranges on a few connections, so a slow mirror's transfer of the encoder's weights records progress as it goes. */
const RESUME_ENV = { MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "1MiB", MODEL_MANAGER_CONNECTIONS_PER_FILE: "4" };

/** Starts a run in `cwd` and kills it with -9 once 3 MiB of the encoder's weights are recorded for resume; returns the bytes recorded. */
async function killedMidPull(cwd: string, env: Record<string, string>): Promise<number> {
  const state = join(cwd, "cache", ".model-manager", "partial", "encoder", "model.safetensors.state.json");
  const recorded = () => (existsSync(state) ? (JSON.parse(readFileSync(state, "utf8")).done as [number, number][]).reduce((sum, [start, end]) => sum + end - start, 0) : 0);
  const proc = await spawnAgainst(hub, [], { cwd, env });
  await waitFor("resume state on disk", () => recorded() >= 3 * 1024 * 1024);
  proc.kill("SIGKILL");
  expect((await finished(proc)).code).not.toBe(0);
  return recorded();
}

/** The mirror's object for a file the hub serves. */
function blobPath(repoId: string, path: string): string {
  const served = hub.file(repoId, path);
  if (!served) throw new Error(`the hub has no ${path} in ${repoId}`);
  return served.lfs ? `/blobs/sha256/${served.sha256}` : `/blobs/git-sha1/${served.oid}`;
}

describe.skipIf(skipMoto !== undefined)(mustRunOnCI("push and pull through an S3 mirror (moto)"), () => {
  test("push uploads content-addressed blobs, one manifest per model and a ref; a second push uploads nothing", async () => {
    const mirror = freshPrefix();
    const cwd = project(CONFIG);
    const first = await runAgainst(hub, ["push", mirror], { cwd, env: moto.env });
    expect(first.stderr).not.toContain("error");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${mirror}\n`);
    expect(first.stderr).toContain("encoder: ");
    expect(first.stderr).toMatch(/uploaded 5 files .* skipped 0/);
    expect(first.stderr).toContain(`encoder: uploading 3 files, 8.6 MiB to ${mirror}\n`);

    const client = bucketClient(moto, BUCKET);
    const prefix = mirror.slice(`s3://${BUCKET}/`.length);
    const weights = hub.file(ENCODER, "model.safetensors");
    const stat = await client.stat(`${prefix}/blobs/sha256/${weights?.sha256}`);
    expect(stat.size).toBe(9_000_000);
    expect(stat.etag).toMatch(/-2"$/); // two 8 MiB-part multipart upload
    const commit = hub.repo(ENCODER)?.resolveRevision("main")?.sha as string;
    expect((await client.file(`${prefix}/refs/model/${ENCODER}/main`).text()).trim()).toBe(commit);
    const manifest = JSON.parse(await client.file(`${prefix}/manifests/model/${ENCODER}/${commit}.json`).text());
    expect(manifest).toMatchObject({ manifestVersion: 1, repoId: ENCODER, repoType: "model", commit });
    // The whole tree is listed (in the lock's per-file format); only the selection is stored.
    expect(manifest.files.map((file: { path: string }) => file.path)).toEqual(["config.json", "model.safetensors", "onnx/model.onnx", "tokenizer.json"]);
    expect(manifest.stored).toEqual(["config.json", "model.safetensors", "tokenizer.json"]);
    expect(manifest.files[1]).toEqual({ path: "model.safetensors", size: 9_000_000, sha256: weights?.sha256 });

    const again = await runAgainst(hub, ["push", mirror], { cwd, env: moto.env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/uploaded 0 files \(0 B\), skipped 5 already in the mirror/);
  });

  test("a cold run with the mirror makes no request to the Hub, and the bytes are the Hub's", async () => {
    const mirror = freshPrefix();
    expect((await runAgainst(hub, ["push", mirror], { cwd: project(CONFIG), env: moto.env })).code).toBe(0);
    const cwd = project(CONFIG);
    hub.resetLog();
    const pull = await runAgainst(hub, ["--json", "-v"], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(pull.stderr).not.toContain("warning");
    // Every request is logged, each presigned URL shortened like a CDN URL.
    expect(pull.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/fleet\/team-\d+\/blobs\/sha256\/[0-9a-f]{64}\?… -> 200/);
    expect(pull.stderr).toContain("encoder: downloaded 3 files (8.6 MiB) at");
    expect(pull.stderr).toMatch(/encoder: downloaded .* verified \(sha256\)/);
    expect(pull.code).toBe(0);
    expect(hubRequests()).toBe(0);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
    const output = JSON.parse(pull.stdout);
    expect(output.models.map((model: { source: string; mirror?: string }) => [model.source, model.mirror])).toEqual([
      ["mirror", mirror],
      ["mirror", mirror],
    ]);
    // Signed URLs never reach the output.
    expect(pull.stderr).not.toContain("X-Amz-Signature");

    const list = await runAgainst(hub, ["--list"], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(list.stdout).toContain(`mirror ${mirror}`);
    const listed = JSON.parse((await runAgainst(hub, ["--list", "--json"], { cwd })).stdout);
    expect(listed.models[0]).toMatchObject({ source: "mirror", mirror });
    expect(hubRequests()).toBe(0);
  });

  test("a model the mirror lacks comes from the Hub, and the run says so once", async () => {
    const mirror = freshPrefix();
    const encoderOnly = `cache_dir: cache\nmodels:\n  - id: encoder\n    repo_id: ${ENCODER}\n`;
    expect((await runAgainst(hub, ["push", mirror], { cwd: project(encoderOnly), env: moto.env })).code).toBe(0);
    const cwd = project(CONFIG);
    hub.resetLog();
    const pull = await runAgainst(hub, ["--json"], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(pull.code).toBe(0);
    expect(pull.stderr.match(/tagger: not in the mirror/g)?.length).toBe(1);
    expect(hub.requests.some((request) => request.repo === TAGGER)).toBe(true);
    expect(hub.requests.some((request) => request.repo === ENCODER)).toBe(false);
    const output = JSON.parse(pull.stdout);
    expect(output.models.map((model: { source: string }) => model.source)).toEqual(["mirror", "hub"]);
  });

  test("a blob whose bytes are wrong is quarantined and that file comes from the Hub", async () => {
    const mirror = freshPrefix();
    expect((await runAgainst(hub, ["push", mirror], { cwd: project(CONFIG), env: moto.env })).code).toBe(0);
    const client = bucketClient(moto, BUCKET);
    const prefix = mirror.slice(`s3://${BUCKET}/`.length);
    const sha = hub.file(TAGGER, "weights.bin")?.sha256;
    await client.write(`${prefix}/blobs/sha256/${sha}`, new Uint8Array(1_500_000).fill(7));
    const cwd = project(CONFIG);
    hub.resetLog();
    const pull = await runAgainst(hub, ["--json"], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(pull.code).toBe(0);
    expect(pull.stderr).toContain("weights.bin: wrong sha256");
    expect(pull.stderr).toContain(`tagger: the mirror ${mirror} could not serve weights.bin (weights.bin: wrong sha256`);
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
    const quarantine = join(cwd, "cache", ".model-manager", "quarantine");
    expect(existsSync(quarantine) && readdirSync(quarantine, { recursive: true }).length > 0).toBe(true);
    expect(JSON.parse(pull.stdout).models.map((model: { source: string }) => model.source)).toEqual(["mirror", "hub"]);
    // The tagger's config.json came from the mirror: the Hub was asked for the bad file only.
    expect(new Set(hub.requests.filter((request) => request.listener === "hub").map((request) => `${request.repo} ${request.path}`))).toEqual(new Set([`${TAGGER} weights.bin`]));
  });

  test("a manifest that disagrees with the committed lock is refused", async () => {
    const mirror = freshPrefix();
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock"], { cwd })).code).toBe(0);
    expect((await runAgainst(hub, ["push", mirror], { cwd, env: moto.env })).code).toBe(0);
    const client = bucketClient(moto, BUCKET);
    const prefix = mirror.slice(`s3://${BUCKET}/`.length);
    const commit = hub.repo(TAGGER)?.resolveRevision("main")?.sha as string;
    const key = `${prefix}/manifests/model/${TAGGER}/${commit}.json`;
    const forged = (await client.file(key).text()).replace(hub.file(TAGGER, "weights.bin")?.sha256 as string, "f".repeat(64));
    await client.write(key, forged);
    const puller = project(CONFIG);
    Bun.write(join(puller, "models.lock.json"), readFileSync(join(cwd, "models.lock.json")));
    const pull = await runAgainst(hub, ["--frozen"], { cwd: puller, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(pull.code).toBe(3);
    expect(pull.stderr).toContain(`the mirror manifest ${mirror}/manifests/model/${TAGGER}/${commit}.json disagrees with the lock`);
  });

  test("layout hf: a model pushed from a Hugging Face cache is pulled into another one without the Hub", async () => {
    const mirror = freshPrefix();
    const hfConfig = CONFIG.replace("cache_dir: cache\n", "cache_dir: cache\nlayout: hf\n");
    expect((await runAgainst(hub, ["push", mirror], { cwd: project(hfConfig), env: moto.env })).code).toBe(0);
    const cwd = project(hfConfig);
    hub.resetLog();
    const pull = await runAgainst(hub, [], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(pull.code).toBe(0);
    expect(hubRequests()).toBe(0);
    const commit = hub.repo(ENCODER)?.resolveRevision("main")?.sha as string;
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "models--acme--encoder", "snapshots", commit));
  });

  test("HF_HUB_OFFLINE: no request to the mirror either (a locked model is simply not cached)", async () => {
    const mirror = freshPrefix();
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock"], { cwd })).code).toBe(0);
    expect((await runAgainst(hub, ["push", mirror], { cwd: project(CONFIG), env: moto.env })).code).toBe(0);
    const run = await runAgainst(hub, ["--frozen", "-v"], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: mirror, HF_HUB_OFFLINE: "1" } });
    expect(run.code).toBe(4);
    expect(run.stderr).not.toContain("GET ");
    expect(run.stderr).not.toContain("mirror");
    expect(run.stderr).toContain("HF_HUB_OFFLINE is set");
  });

  test("one blob with wrong bytes: fetched once, quarantined, only that file comes from the Hub, the files the mirror delivered stay", async () => {
    const folder = await pushedFolder();
    const corrupted = join(folder, blobPath(ENCODER, "tokenizer.json"));
    const bytes = readFileSync(corrupted);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff; // same size, wrong bytes: what a size check on push would not catch
    writeFileSync(corrupted, bytes);
    const control: StaticServerControl = { requests: [] };
    using server = staticServer(folder, control);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    hub.resetLog();
    const pull = await runAgainst(hub, ["--json"], { cwd });
    expect(pull.code).toBe(0);
    expect(pull.stderr.match(/from the Hub instead/g)).toEqual(["from the Hub instead"]);
    expect(pull.stderr).toMatch(/encoder: the mirror http:\/\/127\.0\.0\.1:\d+ could not serve tokenizer\.json \(tokenizer\.json: wrong git blob sha1/);
    // The Hub was asked for that one file, nothing else: no listing, no other file, nothing of the tagger.
    const asked = hub.requests.filter((request) => request.listener === "hub").map((request) => `${request.repo} ${request.path}`);
    expect(asked.length).toBeGreaterThan(0);
    expect(new Set(asked)).toEqual(new Set([`${ENCODER} tokenizer.json`]));
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
    const quarantined = readdirSync(join(cwd, "cache", ".model-manager", "quarantine"), { recursive: true }).map(String);
    expect(quarantined.some((name) => name.endsWith("tokenizer.json"))).toBe(true);
    // Wrong bytes are final for the mirror: fetched from it once, not again before the Hub.
    expect(control.requests.filter((request) => request.path === blobPath(ENCODER, "tokenizer.json")).length).toBe(1);
    expect(pull.stderr).not.toContain("fetching it again from scratch");
    // A model partly from the Hub says "hub": the Hub was used for it.
    expect(JSON.parse(pull.stdout).models.map((model: { source: string }) => model.source)).toEqual(["hub", "mirror"]);
  });

  test("a blob missing from the mirror: that file comes from the Hub, the model's other files from the mirror", async () => {
    const folder = await pushedFolder();
    rmSync(join(folder, blobPath(TAGGER, "weights.bin")));
    using server = staticServer(folder);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    hub.resetLog();
    const pull = await runAgainst(hub, [], { cwd });
    expect(pull.code).toBe(0);
    expect(pull.stderr.match(/from the Hub instead/g)).toEqual(["from the Hub instead"]);
    expect(pull.stderr).toMatch(/tagger: the mirror http:\/\/127\.0\.0\.1:\d+ could not serve weights\.bin \(mirror .* lacks blobs\/sha256\//);
    const asked = hub.requests.filter((request) => request.listener === "hub").map((request) => `${request.repo} ${request.path}`);
    expect(new Set(asked)).toEqual(new Set([`${TAGGER} weights.bin`]));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
  });

  test("blobs shorter than listed (streamed and ranged): those files come from the Hub, the others from the mirror", async () => {
    const folder = await pushedFolder();
    for (const [repo, path] of [[TAGGER, "weights.bin"], [ENCODER, "model.safetensors"]] as const) {
      const blob = join(folder, blobPath(repo, path));
      writeFileSync(blob, readFileSync(blob).subarray(0, 1_000_000));
    }
    using server = staticServer(folder);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    hub.resetLog();
    const pull = await runAgainst(hub, [], { cwd, env: { ...RESUME_ENV, MODEL_MANAGER_RANGED_THRESHOLD: "2MiB" } });
    expect(pull.code).toBe(0);
    expect(pull.stderr).toMatch(/tagger: the mirror .* could not serve weights\.bin \(.*announced 1000000 bytes for weights\.bin, but the Hub's listing says 1500000.*\); downloading that file from the Hub instead/);
    expect(pull.stderr).toMatch(/encoder: the mirror .* could not serve model\.safetensors \(The server reports 1000000 bytes for model\.safetensors, but the Hub's listing says 9000000.*\); downloading that file from the Hub instead/);
    expect(pull.stderr).not.toContain("downloading the rest of the model");
    const asked = hub.requests.filter((request) => request.listener === "hub").map((request) => `${request.repo} ${request.path}`);
    expect(new Set(asked)).toEqual(new Set([`${TAGGER} weights.bin`, `${ENCODER} model.safetensors`]));
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
  });

  test("a mirror that fails while serving a model: the rest of that model comes from the Hub, said once", async () => {
    const folder = await pushedFolder();
    const control: StaticServerControl = { requests: [], failing: { paths: /^\/blobs\//, status: 503 } };
    using server = staticServer(folder, control);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    const pull = await runAgainst(hub, [], { cwd, env: { MODEL_MANAGER_MAX_ATTEMPTS: "2", MODEL_MANAGER_RETRY_BASE_MS: "1" } });
    expect(pull.code).toBe(0);
    expect(pull.stderr.match(/encoder: the mirror .* failed \(.*503.*\); downloading the rest of the model from the Hub instead/g)?.length).toBe(1);
    expect(pull.stderr.match(/tagger: the mirror .* failed/g)?.length).toBe(1);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
  });

  test("a mirror that trickles below MODEL_MANAGER_MIN_SPEED: cut, retried, then the Hub, naming the mirror's URL and the rate", async () => {
    const folder = await pushedFolder();
    // 64 KiB a second, one piece at a time: never a stall of 1.5 s, but far below a floor of 512 KiB/s.
    const control: StaticServerControl = { requests: [], bytesPerSecond: 64 * 1024 };
    using server = staticServer(folder, control);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    const env = { HF_HUB_DOWNLOAD_TIMEOUT: "1.5", MODEL_MANAGER_MIN_SPEED: "512KiB", MODEL_MANAGER_MAX_ATTEMPTS: "2", MODEL_MANAGER_RETRY_BASE_MS: "1" };
    const pull = await runAgainst(hub, ["--model", "tagger"], { cwd, env });
    expect(pull.code).toBe(0);
    const weights = blobPath(TAGGER, "weights.bin");
    expect(pull.stderr).toMatch(new RegExp(`tagger: the mirror .* failed \\(.*http://127\\.0\\.0\\.1:${server.port}${weights} sent [0-9.]+ KiB/s for 2 s, below the floor of 512 KiB/s.*\\); downloading the rest of the model from the Hub instead`));
    expect(control.requests.filter((request) => request.path === weights)).toHaveLength(2);
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
  });

  test("damaged files of a cached model are repaired from the mirror without the Hub; from the Hub when the mirror's blob is bad", async () => {
    const folder = await pushedFolder();
    const control: StaticServerControl = { requests: [] };
    using server = staticServer(folder, control);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const weights = join(cwd, "cache", "encoder", "model.safetensors");
    const damage = () => {
      const bytes = readFileSync(weights);
      bytes[4096] = (bytes[4096] ?? 0) ^ 0xff;
      writeFileSync(weights, bytes);
      rmSync(join(cwd, "cache", "tagger", "config.json"));
    };
    damage();
    hub.resetLog();
    control.requests.length = 0;
    const repair = await runAgainst(hub, ["--json"], { cwd });
    expect(repair.code).toBe(0);
    expect(repair.stderr).toContain("model.safetensors: wrong sha256");
    expect(hubRequests()).toBe(0);
    expect(control.requests.some((request) => request.path === blobPath(ENCODER, "model.safetensors"))).toBe(true);
    expect(control.requests.some((request) => request.path === blobPath(TAGGER, "config.json"))).toBe(true);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
    expect(JSON.parse(repair.stdout).models.map((model: { source: string }) => model.source)).toEqual(["mirror", "mirror"]);

    // The mirror's copy of the weights goes bad: the repair falls back to the Hub for that file alone.
    writeFileSync(join(folder, blobPath(ENCODER, "model.safetensors")), new Uint8Array(9_000_000).fill(3));
    damage();
    hub.resetLog();
    const fallback = await runAgainst(hub, [], { cwd });
    expect(fallback.code).toBe(0);
    expect(fallback.stderr.match(/from the Hub instead/g)).toEqual(["from the Hub instead"]);
    expect(new Set(hub.requests.filter((request) => request.listener === "hub").map((request) => `${request.repo} ${request.path}`))).toEqual(new Set([`${ENCODER} model.safetensors`]));
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expectSameBytes(hub, TAGGER, ["config.json", "weights.bin"], join(cwd, "cache", "tagger"));
  });

  test("a pull through the mirror killed with -9 resumes where it stopped, still without the Hub", async () => {
    const folder = await pushedFolder();
    const control: StaticServerControl = { requests: [], bytesPerSecond: 1_500_000 };
    using server = staticServer(folder, control);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}\n`);
    const env = RESUME_ENV;
    hub.resetLog();
    const onDisk = await killedMidPull(cwd, env);

    control.bytesPerSecond = undefined;
    control.requests.length = 0;
    const rerun = await runAgainst(hub, ["-v"], { cwd, env });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain(`resuming model.safetensors: ${onDisk} of 9000000 bytes already on disk`);
    // Only the missing ranges were asked for, and the signed-URL-free log never mentions the Hub.
    const blob = blobPath(ENCODER, "model.safetensors");
    const asked = control.requests.filter((request) => request.path === blob).map((request) => /^bytes=(\d+)-(\d+)$/.exec(request.range ?? ""));
    expect(asked.every((match) => match !== null)).toBe(true);
    expect(asked.reduce((sum, match) => sum + Number(match?.[2]) + 1 - Number(match?.[1]), 0)).toBe(9_000_000 - onDisk);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
    expect(hubRequests()).toBe(0);
  });

  test("killed with -9 during a mirror pull, then the mirror fails: the Hub resumes from the bytes the mirror delivered", async () => {
    const folder = await pushedFolder();
    const control: StaticServerControl = { requests: [], bytesPerSecond: 1_500_000 };
    using server = staticServer(folder, control);
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: encoder\n    repo_id: ${ENCODER}\nmirrors:\n  - http://127.0.0.1:${server.port}\n`);
    const env = { ...RESUME_ENV, MODEL_MANAGER_MAX_ATTEMPTS: "2", MODEL_MANAGER_RETRY_BASE_MS: "1" };
    const onDisk = await killedMidPull(cwd, env);

    control.bytesPerSecond = undefined;
    control.failing = { paths: /^\/blobs\//, status: 503 };
    hub.resetLog();
    const rerun = await runAgainst(hub, ["-v"], { cwd, env });
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toMatch(/encoder: the mirror .* failed \(.*503.*\); downloading the rest of the model from the Hub instead/);
    // Once for the mirror, once for the Hub: the bytes on disk were kept across the switch.
    expect(rerun.stderr.match(new RegExp(`resuming model\\.safetensors: ${onDisk} of 9000000 bytes`, "g"))?.length).toBe(2);
    expect(hub.totals.cdnBodyBytes + hub.totals.hubBodyBytes).toBeLessThan(9_000_000 - onDisk + 64 * 1024);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
  });

  test("a bucket that does not exist: the error names the mirror and the cause", async () => {
    const cwd = project(CONFIG);
    hub.resetLog();
    const pull = await runAgainst(hub, [], { cwd, env: { ...moto.env, MODEL_MANAGER_MIRROR: "s3://no-such-bucket/x" } });
    expect(pull.code).toBe(1);
    expect(pull.stderr).toContain("The bucket of mirror s3://no-such-bucket/x does not exist (NoSuchBucket");
    expect(hubRequests()).toBe(0);
  });

  test("an https mirror: a static file server holding the pushed layout serves a cold run without the Hub or credentials", async () => {
    const folder = await pushedFolder();
    using server = staticServer(folder);
    const cwd = project(`${CONFIG}mirrors:\n  - http://127.0.0.1:${server.port}/\n`);
    hub.resetLog();
    const pull = await runAgainst(hub, [], { cwd });
    expect(pull.stderr).not.toContain("warning");
    expect(pull.code).toBe(0);
    expect(hubRequests()).toBe(0);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));
  });
});

describe("a mirror that checks signatures (s3rver)", () => {
  let s3rver: S3Server;
  beforeAll(async () => {
    s3rver = await startS3rver([BUCKET]);
  });
  afterAll(() => s3rver.stop());

  test("wrong credentials: the error names the mirror and the cause, exit 5, and no secret is printed", async () => {
    const mirror = `s3://${BUCKET}/signed`;
    const pushed = await runAgainst(hub, ["push", mirror], { cwd: project(CONFIG), env: s3rver.env });
    expect(pushed.stderr).not.toContain("error");
    expect(pushed.code).toBe(0);
    const secret = "not-the-secret-1234";
    const cwd = project(CONFIG);
    const pull = await runAgainst(hub, [], { cwd, env: { ...s3rver.env, S3_SECRET_ACCESS_KEY: secret, MODEL_MANAGER_MIRROR: mirror } });
    expect(pull.code).toBe(5);
    expect(pull.stderr).toContain(`mirror ${mirror}`);
    expect(pull.stderr).toContain("SignatureDoesNotMatch");
    expect(pull.stderr).toContain("S3_SECRET_ACCESS_KEY");
    expect(pull.stderr + pull.stdout).not.toContain(secret);

    const push = await runAgainst(hub, ["push", mirror], { cwd, env: { ...s3rver.env, S3_SECRET_ACCESS_KEY: secret } });
    expect(push.code).toBe(5);
    expect(push.stderr).toContain(`mirror ${mirror}`);

    // With the right credentials the same pull works, and verifies what s3rver serves.
    const good = await runAgainst(hub, [], { cwd: project(CONFIG), env: { ...s3rver.env, MODEL_MANAGER_MIRROR: mirror } });
    expect(good.code).toBe(0);
  });
});
