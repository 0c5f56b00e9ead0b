/** What a user sees of a push (compiled binary against moto and s3rver): progress as for downloads, and its --json result. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { binaryPath } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { project, runAgainst, spawnAgainst, startHub, waitFor } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";
import { cleanEnv } from "../helpers/run-cli.ts";
import { bucketClient, motoMissing, type S3Server, startMoto, startS3rver } from "../helpers/s3-servers.ts";
import { tcpProxy } from "../helpers/tcp-proxy.ts";
import { generated, json, type LocalHub, sha256Hex } from "../local-hub/index.ts";

const BUCKET = "pushes";
const CONFIG = "cache_dir: cache\nmodels:\n  - id: big\n    repo_id: acme/big\n";
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

const skipMoto = motoMissing();
if (skipMoto) console.warn(`skipping the push output tests: ${skipMoto}`);

let hub: LocalHub;
let moto: S3Server;
let prefixes = 0;
const freshPrefix = () => `s3://${BUCKET}/p-${++prefixes}`;

beforeAll(async () => {
  // Above the 16 MiB from which plain output gives a file its own start and end lines.
  hub = await startHub({ repos: [{ id: "acme/big", files: { "config.json": json({}), "model.safetensors": generated(20 * 1024 * 1024, "push-output") } }] });
  if (!skipMoto) moto = await startMoto([BUCKET]);
});

afterAll(async () => {
  await hub.stop();
  await moto?.stop();
});

const motoAddress = () => ({ host: "127.0.0.1", port: Number(new URL(moto.endpoint).port) });
/** The environment that sends push's S3 requests through `proxy` instead of straight to moto. */
const throughProxy = (proxy: { readonly port: number }) => ({ ...moto.env, S3_ENDPOINT: `http://127.0.0.1:${proxy.port}` });

describe.skipIf(skipMoto !== undefined)(mustRunOnCI("push output (moto)"), () => {
  test("in a log: the download, then the upload of each large file by model and path with its bytes; nothing with -q", async () => {
    const mirror = freshPrefix();
    const run = await runAgainst(hub, ["push", mirror], { cwd: project(CONFIG), env: moto.env });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("big: fetching 2 files, 20.0 MiB\n");
    expect(run.stderr).toMatch(/big: finished model\.safetensors \(20\.0 MiB in [\d.]+ m?s, [\d.]+ [KMG]iB\/s\)\n/);
    expect(run.stderr).toContain(`big: uploading 2 files, 20.0 MiB to ${mirror}\n`);
    expect(run.stderr).toContain("big: uploading model.safetensors (20.0 MiB)\n");
    expect(run.stderr).toMatch(/big: uploaded model\.safetensors \(20\.0 MiB in [\d.]+ m?s, [\d.]+ [KMG]iB\/s\)\n/);
    expect(run.stderr.indexOf("big: uploading 2 files")).toBeGreaterThan(run.stderr.indexOf("big: finished model.safetensors"));
    expect(CONTROL.test(run.stderr)).toBe(false);
    expect(run.stdout).toBe(`${mirror}\n`);

    const quiet = await runAgainst(hub, ["push", freshPrefix(), "-q"], { cwd: project(CONFIG), env: moto.env });
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
  });

  test("on a terminal: live bars for the uploads with a total, then one summary line, the mirror URL last", async () => {
    const mirror = freshPrefix();
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const proc = Bun.spawn(["script", "-qec", `${await binaryPath()} --config models.yaml push ${mirror}`, "/dev/null"], {
      cwd,
      env: cleanEnv({ HF_ENDPOINT: hub.url, TERM: "xterm-256color", COLUMNS: "120", ...moto.env }),
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const [screen, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(screen).toMatch(/big: model\.safetensors +20\.0 MiB/);
    expect(screen).toMatch(/total .*\/ 20\.0 MiB/);
    expect(screen).toMatch(/total: uploaded 20\.0 MiB in /);
    expect(screen.lastIndexOf(mirror)).toBeGreaterThan(screen.lastIndexOf("total"));
  });
});

describe.skipIf(skipMoto !== undefined)(mustRunOnCI("push --json (moto)"), () => {
  test("per model: blobs uploaded and skipped, manifest and ref keys; a model that failed has its code and exit code", async () => {
    const mirror = freshPrefix();
    const cwd = project(`${CONFIG}  - id: typo\n    repo_id: acme/typo\n`);
    const run = await runAgainst(hub, ["push", mirror, "--json"], { cwd, env: moto.env });
    expect(run.code).toBe(4);
    const output = parseJsonOutput(run.stdout, "push");
    const weights = hub.file("acme/big", "model.safetensors");
    const config = hub.file("acme/big", "config.json");
    const commit = weights?.commit as string;
    expect(output).toMatchObject({ ok: false, exitCode: 4, mirror, cacheDir: expect.stringMatching(/cache$/) });
    expect(output.models).toEqual([
      {
        id: "big",
        ok: true,
        repoId: "acme/big",
        repoType: "model",
        revision: "main",
        commit,
        uploadedFiles: 2,
        uploadedBytes: 20 * 1024 * 1024 + (config?.size ?? 0),
        skippedFiles: 0,
        skippedBytes: 0,
        uploaded: [
          { path: "model.safetensors", key: `blobs/sha256/${weights?.sha256}`, size: 20 * 1024 * 1024 },
          { path: "config.json", key: `blobs/git-sha1/${config?.oid}`, size: config?.size },
        ],
        skipped: [],
        manifest: `manifests/model/acme/big/${commit}.json`,
        manifestWritten: true,
        ref: "refs/model/acme/big/main",
      },
      expect.objectContaining({ id: "typo", ok: false, exitCode: 4, code: "NOT_FOUND" }),
    ]);
    // The keys are where the objects are.
    const client = bucketClient(moto, BUCKET);
    const prefix = mirror.slice(`s3://${BUCKET}/`.length);
    for (const key of [`blobs/sha256/${weights?.sha256}`, `manifests/model/acme/big/${commit}.json`, "refs/model/acme/big/main"]) expect(await client.exists(`${prefix}/${key}`)).toBe(true);

    const again = await runAgainst(hub, ["push", mirror, "--json", "--model", "big"], { cwd, env: moto.env });
    expect(again.code).toBe(0);
    const second = parseJsonOutput(again.stdout, "push");
    expect(second.ok).toBe(true);
    expect(second.models[0]).toMatchObject({ ok: true, uploadedFiles: 0, uploadedBytes: 0, skippedFiles: 2, skippedBytes: 20 * 1024 * 1024 + (config?.size ?? 0), uploaded: [], manifestWritten: false });
  });

  test("two files with the same content: one blob uploaded once, the other file skipped with sameAs, in the progress and --json", async () => {
    const size = 20 * 1024 * 1024;
    hub.addRepo({ id: "acme/twins", files: { "config.json": json({}), "a/model.safetensors": generated(size, "twins"), "b/model.safetensors": generated(size, "twins") } });
    const weights = hub.file("acme/twins", "a/model.safetensors");
    expect(hub.file("acme/twins", "b/model.safetensors")?.sha256).toBe(weights?.sha256 as string);
    const mirror = freshPrefix();
    const proxy = await tcpProxy(motoAddress(), {});
    const run = await runAgainst(hub, ["push", mirror, "--json"], { cwd: project("cache_dir: cache\nmodels:\n  - id: twins\n    repo_id: acme/twins\n"), env: throughProxy(proxy) });
    await proxy.close();
    expect(run.code).toBe(0);
    // One copy of the blob went to the store, not two.
    expect(proxy.sentBytes()).toBeGreaterThan(size);
    expect(proxy.sentBytes()).toBeLessThan(1.5 * size);
    const model = parseJsonOutput(run.stdout, "push").models[0];
    if (!model?.ok) throw new Error(`push failed: ${run.stdout}`);
    const key = `blobs/sha256/${weights?.sha256}`;
    expect(model).toMatchObject({ uploadedFiles: 2, uploadedBytes: size + (hub.file("acme/twins", "config.json")?.size ?? 0), skippedFiles: 1, skippedBytes: size });
    const uploaded = model.uploaded.find((blob) => blob.key === key);
    const other = uploaded?.path === "a/model.safetensors" ? "b/model.safetensors" : "a/model.safetensors";
    expect(model.uploaded.filter((blob) => blob.key === key)).toHaveLength(1);
    expect(model.skipped).toEqual([{ path: other, key, size, sameAs: uploaded?.path as string }]);
    expect(run.stderr).toContain(`twins: uploading 2 files, 20.0 MiB to ${mirror}\n`);
    expect(run.stderr.match(/twins: uploading [ab]\/model\.safetensors/g)).toHaveLength(1);
    expect(run.stderr).toContain("2 files uploaded (20.0 MiB), 0 already there, 1 the same content as another file (one blob)");
    const stored = await bucketClient(moto, BUCKET).file(`${mirror.slice(`s3://${BUCKET}/`.length)}/${key}`).bytes();
    expect(sha256Hex(stored)).toBe(weights?.sha256 as string);
  });

  test("a model pinned to a commit writes no ref; a usage error still prints the push envelope", async () => {
    const commit = hub.file("acme/big", "config.json")?.commit as string;
    const run = await runAgainst(hub, ["push", freshPrefix(), "--json"], { cwd: project(`${CONFIG}    revision: ${commit}\n`), env: moto.env });
    expect(run.code).toBe(0);
    const output = parseJsonOutput(run.stdout, "push");
    expect(output.models[0]).toMatchObject({ ok: true, revision: commit, manifest: `manifests/model/acme/big/${commit}.json` });
    expect(output.models[0]).not.toHaveProperty("ref");

    const usage = await runAgainst(hub, ["push", "--json"], { cwd: project(CONFIG), env: moto.env });
    expect(usage.code).toBe(2);
    expect(parseJsonOutput(usage.stdout, "push")).toMatchObject({ ok: false, exitCode: 2, models: [], error: { code: "USAGE_ERROR" } });
  });
});

describe.skipIf(skipMoto !== undefined)(mustRunOnCI("push over a bad link (moto behind a proxy)"), () => {
  test("a connection cut during a part: the part is sent again and the blob in the mirror is whole", async () => {
    const mirror = freshPrefix();
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    const proxy = await tcpProxy(motoAddress(), { cutOnceAfterBytes: 12_000_000 });
    const run = await runAgainst(hub, ["push", mirror, "--json"], { cwd, env: throughProxy(proxy) });
    await proxy.close();
    expect(proxy.wasCut()).toBe(true);
    expect(run.code).toBe(0);
    expect(parseJsonOutput(run.stdout, "push").models[0]).toMatchObject({ ok: true, uploadedFiles: 2 });
    const weights = hub.file("acme/big", "model.safetensors");
    const stored = await bucketClient(moto, BUCKET).file(`${mirror.slice(`s3://${BUCKET}/`.length)}/blobs/sha256/${weights?.sha256}`).bytes();
    expect(sha256Hex(stored)).toBe(weights?.sha256 as string);
  });

  test("Ctrl-C during an upload: exit 130, the cut blob and the manifest are not in the mirror, --json says INTERRUPTED; the next push completes it", async () => {
    const mirror = freshPrefix();
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, [], { cwd })).code).toBe(0);
    // 4 MB/s towards the store: the 20 MiB upload is still in flight when the signal comes.
    const proxy = await tcpProxy(motoAddress(), { bytesPerSecond: 4_000_000 });
    const proc = await spawnAgainst(hub, ["push", mirror, "--json"], { cwd, env: throughProxy(proxy) });
    let stderr = "";
    const collected = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
    })();
    await waitFor("the large upload to start", () => stderr.includes("big: uploading model.safetensors (20.0 MiB)"));
    const sentAtSignal = proxy.sentBytes();
    proc.kill("SIGINT");
    const exited = proc.exited.then((code) => ({ code, sentAfterSignal: proxy.sentBytes() - sentAtSignal }));
    const [stdout, { code, sentAfterSignal }] = await Promise.all([new Response(proc.stdout).text(), exited, collected]);
    await proxy.close();
    expect(code).toBe(130);
    // It stops at once: the parts in flight (two of 8 MiB) are not sent to the end first.
    expect(sentAfterSignal).toBeLessThan(4 * 1024 * 1024);
    expect(stderr).toContain("error: Interrupted by SIGINT");
    expect(stderr).toContain(`the blobs uploaded so far stay in ${mirror} (the next push skips them)`);
    const output = parseJsonOutput(stdout, "push");
    expect(output).toMatchObject({ ok: false, exitCode: 130, models: [{ id: "big", ok: false, exitCode: 130, code: "INTERRUPTED" }] });
    const client = bucketClient(moto, BUCKET);
    const prefix = mirror.slice(`s3://${BUCKET}/`.length);
    const weights = hub.file("acme/big", "model.safetensors");
    expect(await client.exists(`${prefix}/blobs/sha256/${weights?.sha256}`)).toBe(false);
    expect(await client.exists(`${prefix}/manifests/model/acme/big/${weights?.commit}.json`)).toBe(false);

    const resumed = await runAgainst(hub, ["push", mirror, "--json"], { cwd, env: moto.env });
    expect(resumed.code).toBe(0);
    const model = parseJsonOutput(resumed.stdout, "push").models[0];
    expect(model).toMatchObject({ ok: true, manifestWritten: true });
    if (!model?.ok) throw new Error("unreachable");
    expect(model.uploaded.map((blob) => blob.path)).toContain("model.safetensors");
    expect(model.uploadedFiles + model.skippedFiles).toBe(2);
    expect(await client.exists(`${prefix}/blobs/sha256/${weights?.sha256}`)).toBe(true);
  });
});

describe("push with HF_HUB_OFFLINE", () => {
  test("is refused once for the run (exit 2), not once per model, before any request", async () => {
    const cwd = project(`${CONFIG}  - id: big2\n    repo_id: acme/big\n    files: [config.json]\n`);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    hub.resetLog();
    const run = await runAgainst(hub, ["push", "s3://pushes/offline"], { cwd, env: { HF_HUB_OFFLINE: "1" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: push reads each model's file list from the Hub and writes to the mirror, but HF_HUB_OFFLINE is set\n");
    expect(hub.requests).toHaveLength(0);
    const json = await runAgainst(hub, ["push", "s3://pushes/offline", "--json"], { cwd, env: { HF_HUB_OFFLINE: "1" } });
    expect(parseJsonOutput(json.stdout, "push")).toMatchObject({ ok: false, exitCode: 2, models: [], error: { code: "USAGE_ERROR" } });
  });
});

describe("push --json against a mirror that checks signatures (s3rver)", () => {
  let s3rver: S3Server;
  beforeAll(async () => {
    s3rver = await startS3rver([BUCKET]);
  });
  afterAll(() => s3rver.stop());

  test("wrong credentials: the model fails with MIRROR_ACCESS_DENIED and exit 5; the right ones push it", async () => {
    const mirror = `s3://${BUCKET}/signed-json`;
    const cwd = project(CONFIG);
    const refused = await runAgainst(hub, ["push", mirror, "--json"], { cwd, env: { ...s3rver.env, S3_SECRET_ACCESS_KEY: "not-the-secret-1234" } });
    expect(refused.code).toBe(5);
    const failed = parseJsonOutput(refused.stdout, "push");
    expect(failed).toMatchObject({ ok: false, exitCode: 5, mirror });
    expect(failed.models).toEqual([expect.objectContaining({ id: "big", ok: false, exitCode: 5, code: "MIRROR_ACCESS_DENIED", message: expect.stringContaining(`mirror ${mirror}`) })]);
    expect(refused.stdout + refused.stderr).not.toContain("not-the-secret-1234");
    // The object is named under the mirror once: "s3://bucket/signed-json (blobs/…)", not "(signed-json/blobs/…)".
    // Either blob may be refused first (they are checked in parallel).
    expect(failed.models[0]?.ok === false && failed.models[0].message).toMatch(new RegExp(`mirror ${mirror} \\(blobs/(sha256/[0-9a-f]{64}|git-sha1/[0-9a-f]{40})\\)`));

    const pushed = await runAgainst(hub, ["push", mirror, "--json"], { cwd, env: s3rver.env });
    expect(pushed.code).toBe(0);
    expect(parseJsonOutput(pushed.stdout, "push").models[0]).toMatchObject({ ok: true, uploadedFiles: 2, skippedFiles: 0, manifestWritten: true, ref: "refs/model/acme/big/main" });
  });
});
