import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheIndexOf, expectSameBytes, project, runAgainst, sha256OfFile, spawnAgainst, startHub } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";
import { DEAD_ENDPOINT, finished } from "../helpers/run-cli.ts";
import { ENCODER, ENCODER_FILES, encoderAndTagger, TAGGER } from "../helpers/encoder-and-tagger.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

let hub: LocalHub;
let movingRepo = 0;

beforeAll(async () => {
  hub = await startHub({ repos: encoderAndTagger(2_000_000, "s") });
});

afterAll(() => hub.stop());

const ENCODER_CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: encoder\n    repo_id: ${ENCODER}\n`;
const BOTH_CONFIG = `${ENCODER_CONFIG}  - id: tagger\n    repo_id: ${TAGGER}\n`;

/** A repository of its own, so a test can move its branch without disturbing the others. */
function freshRepo(): string {
  const id = `acme/moving-${++movingRepo}`;
  hub.addRepo({ id, files: { "config.json": json({ version: 1 }), "model.safetensors": generated(1_200_000, `moving-${movingRepo}`) } });
  return id;
}

const count = (route: string) => hub.requests.filter((request) => request.route === route).length;
const lockText = (cwd: string) => readFileSync(join(cwd, "models.lock.json"), "utf8");
const lockJson = (cwd: string) => JSON.parse(lockText(cwd));

describe("model-manager lock", () => {
  test("writes models.lock.json beside the config: sorted, one file per line, hashes from the Hub, nothing downloaded", async () => {
    const cwd = project(BOTH_CONFIG);
    hub.resetLog();
    const run = await runAgainst(hub, ["lock"], { cwd });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${join(cwd, "models.lock.json")}\n`);
    expect(run.stderr).toContain("wrote the lock");
    expect(count("api-revision")).toBe(2);
    expect(count("api-tree")).toBe(2);
    expect(hub.requests.some((request) => request.listener === "cdn" || request.route === "resolve")).toBe(false);
    expect(existsSync(join(cwd, "cache"))).toBe(false);

    const text = lockText(cwd);
    expect(text.endsWith("}\n")).toBe(true);
    const lock = JSON.parse(text);
    expect(lock.lockVersion).toBe(1);
    expect(lock.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(lock.models.map((model: { id: string }) => model.id)).toEqual(["encoder", "tagger"]);
    const encoder = lock.models[0];
    expect(encoder).toMatchObject({ id: "encoder", repoId: ENCODER, repoType: "model", revision: "main", commit: hub.repo(ENCODER)?.resolveRevision("main")?.sha });
    // The default excludes apply; files sorted by path; LFS files by sha256, regular ones by git blob id.
    expect(encoder.files.map((file: { path: string }) => file.path)).toEqual(["config.json", "model.safetensors", "tokenizer.json"]);
    expect(encoder.files[1]).toEqual({ path: "model.safetensors", size: 2_000_000, sha256: hub.file(ENCODER, "model.safetensors")?.sha256 });
    expect(Object.keys(encoder.files[0])).toEqual(["path", "size", "gitOid"]);
    for (const line of text.split("\n").filter((line) => line.includes('"path"'))) expect(line.trim()).toMatch(/^\{ "path": .* \},?$/);

    // Locking again changes nothing and asks the Hub nothing: pinned models stay pinned.
    hub.resetLog();
    const again = await runAgainst(hub, ["lock"], { cwd });
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("is up to date");
    expect(lockText(cwd)).toBe(text);
    expect(hub.requests).toHaveLength(0);
  });

  test("--json follows the versioned contract: each model's commit, file count and whether this run resolved it", async () => {
    const cwd = project(ENCODER_CONFIG);
    const first = parseJsonOutput((await runAgainst(hub, ["lock", "--json", "-q"], { cwd })).stdout, "lock");
    expect(first).toMatchObject({ ok: true, exitCode: 0, written: true, lockFile: join(cwd, "models.lock.json") });
    expect(first.models).toEqual([
      { id: "encoder", ok: true, repoId: ENCODER, repoType: "model", revision: "main", commit: hub.repo(ENCODER)?.resolveRevision("main")?.sha as string, files: 3, resolved: true },
    ]);
    writeFileSync(join(cwd, "models.yaml"), `${ENCODER_CONFIG}  - id: ghost\n    repo_id: acme/does-not-exist\n`);
    const run = await runAgainst(hub, ["lock", "--json", "-q"], { cwd });
    expect(run.code).toBe(4);
    const second = parseJsonOutput(run.stdout, "lock");
    expect(second).toMatchObject({ ok: false, exitCode: 4, written: false });
    expect(second.models.map((model) => [model.id, model.ok, "resolved" in model ? model.resolved : undefined])).toEqual([
      ["encoder", true, false],
      ["ghost", false, undefined],
    ]);
    expect(lockJson(cwd).models.map((model: { id: string }) => model.id)).toEqual(["encoder"]);
  });

  test("the lock's derived pointer ids agree with the Hub's tree, so a locked download is recorded as the Hub lists it", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    expect((await runAgainst(hub, ["--frozen", "-q"], { cwd })).code).toBe(0);
    const tree = (await (await fetch(`${hub.url}/api/models/${ENCODER}/tree/main`)).json()) as Array<{ path: string; oid: string }>;
    const index = cacheIndexOf(cwd);
    for (const file of index.models.encoder.files) expect(file.oid).toBe(tree.find((entry) => entry.path === file.path)?.oid);
  });

  test("HF_HUB_OFFLINE: a lock that must resolve models says so once, naming them (exit 2, no request); an up-to-date lock is checked offline", async () => {
    const cwd = project(ENCODER_CONFIG);
    const offline = { HF_HUB_OFFLINE: "1" };
    hub.resetLog();
    const first = await runAgainst(hub, ["lock"], { cwd, env: offline });
    const errors = first.stderr.split("\n").filter((line) => line.startsWith("error:"));
    expect(errors).toEqual([
      `error: HF_HUB_OFFLINE is set, but the lock must resolve a model on the Hub (new, or changed in the configuration): encoder; run \`lock\` without HF_HUB_OFFLINE. ${join(cwd, "models.lock.json")} is unchanged`,
    ]);
    expect(first.code).toBe(2);
    expect(existsSync(join(cwd, "models.lock.json"))).toBe(false);

    expect((await runAgainst(hub, ["lock"], { cwd })).code).toBe(0);
    const locked = lockText(cwd);
    hub.resetLog();
    const upToDate = await runAgainst(hub, ["lock"], { cwd, env: offline });
    expect(upToDate.stderr).toContain("is up to date");
    expect(upToDate.code).toBe(0);

    writeFileSync(join(cwd, "models.yaml"), BOTH_CONFIG);
    const added = await runAgainst(hub, ["lock", "--json"], { cwd, env: offline });
    expect(added.code).toBe(2);
    expect(added.stderr).toContain("must resolve a model on the Hub (new, or changed in the configuration): tagger;");
    expect(added.stderr).not.toContain("encoder");
    expect(parseJsonOutput(added.stdout, "lock")).toMatchObject({ exitCode: 2 });
    expect(lockText(cwd)).toBe(locked);
    expect(hub.requests).toHaveLength(0);
  });

  test("a lock with the same pins in another layout (reordered, reindented by hand) is rewritten by lock in its own form; a run leaves it", async () => {
    const cwd = project(BOTH_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const canonical = lockText(cwd);
    const lock = lockJson(cwd);
    lock.models.reverse();
    lock.models[0].files.reverse();
    const edited = JSON.stringify(lock, null, 1);
    writeFileSync(join(cwd, "models.lock.json"), edited);
    expect((await runAgainst(hub, ["--locked", "-q"], { cwd })).code).toBe(0);
    expect(lockText(cwd)).toBe(edited);
    const relock = await runAgainst(hub, ["lock"], { cwd });
    expect(relock.code).toBe(0);
    expect(relock.stderr).toContain("the pins are unchanged");
    expect(lockText(cwd)).toBe(canonical);
    expect((await runAgainst(hub, ["lock"], { cwd })).stderr).toContain("is up to date");
  });

  test("a malformed lock or one from a newer release is refused with the file and the field (exit 2)", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const good = lockJson(cwd);
    good.models[0].files[1].sha256 = "not-a-hash";
    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(good));
    const bad = await runAgainst(hub, [], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(cwd, "models.lock.json")}: models[0].files[1].sha256: expected 64 lowercase hex digits`);

    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify({ ...good, lockVersion: 2 }));
    const newer = await runAgainst(hub, ["--frozen"], { cwd });
    expect(newer.code).toBe(2);
    expect(newer.stderr).toContain("lockVersion 2 was written by a newer model-manager");

    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify({ ...good, reviewedBy: "me" }));
    const extra = await runAgainst(hub, ["--frozen"], { cwd });
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain(`${join(cwd, "models.lock.json")}: reviewedBy: unknown field`);

    writeFileSync(join(cwd, "models.lock.json"), "{ not json");
    const broken = await runAgainst(hub, ["lock"], { cwd });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain("models.lock.json: not valid JSON");
  });
});

describe("--frozen", () => {
  test("after lock, an empty cache is filled with no revision or tree request; warm, no request at all; offline works", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    hub.resetLog();
    const run = await runAgainst(hub, ["--frozen"], { cwd });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(count("api-revision")).toBe(0);
    expect(count("api-tree")).toBe(0);
    expectSameBytes(hub, ENCODER, ENCODER_FILES, join(cwd, "cache", "encoder"));

    hub.resetLog();
    const warm = await runAgainst(hub, ["--frozen"], { cwd });
    expect(warm.code).toBe(0);
    expect(warm.stderr).toContain("encoder: cached");
    expect(hub.requests).toHaveLength(0);

    const offline = await runAgainst(hub, ["--frozen"], { cwd, env: { HF_HUB_OFFLINE: "1", HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(offline.stderr).not.toContain("error");
    expect(offline.code).toBe(0);
  });

  test("a config entry edited since the lock gets the locked content with a warning; the next normal run re-resolves it", async () => {
    const repo = freshRepo();
    const tag = hub.pushCommit({ repo, branch: "v2", files: { "config.json": json({ version: 2 }) } });
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: moving\n    repo_id: ${repo}\n`);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const locked = lockText(cwd);
    writeFileSync(join(cwd, "models.yaml"), `cache_dir: cache\nmodels:\n  - id: moving\n    repo_id: ${repo}\n    revision: v2\n`);
    hub.resetLog();
    const frozen = await runAgainst(hub, ["--frozen"], { cwd });
    expect(frozen.code).toBe(0);
    expect(frozen.stderr).toContain("moving: the configuration changed since the lock was written (revision main → v2); --frozen uses the lock as it is");
    expect(count("api-revision") + count("api-tree")).toBe(0);
    expectSameBytes(hub, repo, ["config.json"], join(cwd, "cache", "moving"), "main");
    expect(lockText(cwd)).toBe(locked);

    const normal = await runAgainst(hub, [], { cwd });
    expect(normal.code).toBe(0);
    expect(normal.stderr).toContain("updated the lock");
    expect(lockJson(cwd).models[0]).toMatchObject({ revision: "v2", commit: tag });
    expectSameBytes(hub, repo, ["config.json"], join(cwd, "cache", "moving"), "v2");
  });

  test("without a lock, or with a model the lock lacks, it fails (exit 2) before any request", async () => {
    const cwd = project(ENCODER_CONFIG);
    hub.resetLog();
    const missing = await runAgainst(hub, ["--frozen"], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--frozen: there is no lock ${join(cwd, "models.lock.json")}`);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), BOTH_CONFIG);
    hub.resetLog();
    const lacking = await runAgainst(hub, ["--frozen"], { cwd });
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toContain("--frozen: tagger is not in the lock");
    expect(hub.requests).toHaveLength(0);
  });
});

describe("a configuration read from a pipe", () => {
  test("has no lock beside it: lock, --frozen and sbom say so (exit 2) and write nothing where the pipe lives", async () => {
    const cwd = project(ENCODER_CONFIG);
    const fifo = join(cwd, "piped.yaml");
    expect(Bun.spawnSync(["mkfifo", fifo]).success).toBe(true);
    for (const args of [["lock"], ["--frozen"], ["sbom"]]) {
      const proc = await spawnAgainst(hub, ["-c", "piped.yaml", ...args], { cwd });
      writeFileSync(fifo, ENCODER_CONFIG);
      const run = await finished(proc);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`the lock is ${args[0] === "sbom" ? "read from" : args[0] === "lock" ? "written" : "kept"} beside it, and ${fifo} is not a regular file (a pipe or device)`);
    }
    expect(readdirSync(cwd).sort()).toEqual(["models.yaml", "piped.yaml"]);
  });
});

describe("--locked", () => {
  test("after the config is edited, exits 2 before any request and names the models that differ", async () => {
    const cwd = project(BOTH_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const ok = await runAgainst(hub, ["--locked", "-q"], { cwd });
    expect(ok.code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), `${ENCODER_CONFIG.replace(`repo_id: ${ENCODER}\n`, `repo_id: ${ENCODER}\n    files: [config.json]\n`)}  - id: extra\n    repo_id: ${TAGGER}\n`);
    hub.resetLog();
    const run = await runAgainst(hub, ["--locked"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("does not match the configuration");
    expect(run.stderr).toContain("encoder: files/exclude changed");
    expect(run.stderr).toContain("extra: not in the lock");
    expect(run.stderr).toContain("tagger: in the lock but no longer configured");
    expect(hub.requests).toHaveLength(0);
  });

  test("--locked --cache-key fails the same way, so a CI cache step catches a stale lock first", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    expect((await runAgainst(hub, ["--locked", "--cache-key"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), ENCODER_CONFIG.replace(`repo_id: ${ENCODER}`, `repo_id: ${TAGGER}`));
    const run = await runAgainst(hub, ["--locked", "--cache-key"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`encoder: repo_id ${ENCODER} → ${TAGGER}`);
  });

  test("a lock whose configDigest was edited fails --locked even when every entry matches", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const lock = lockJson(cwd);
    lock.configDigest = `sha256:${"4".repeat(64)}`;
    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
    const run = await runAgainst(hub, ["--locked"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`configDigest sha256:${"4".repeat(64)} is not the configuration's sha256:`);
  });

  test("--dry-run plans a locked model from the lock (no revision or tree request) and writes nothing", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const before = lockText(cwd);
    hub.resetLog();
    const run = await runAgainst(hub, ["--locked", "--dry-run"], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`encoder: fetch at ${(hub.repo(ENCODER)?.resolveRevision("main")?.sha as string).slice(0, 12)}, would download 3 files`);
    expect(hub.requests).toHaveLength(0);
    expect(existsSync(join(cwd, "cache", "encoder"))).toBe(false);
    expect(lockText(cwd)).toBe(before);
  });

  test("a lock saved with a byte order mark (an editor on Windows) is still the lock", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.lock.json"), `\uFEFF${lockText(cwd)}`);
    const run = await runAgainst(hub, ["--locked", "--cache-key"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  });

  test("without a lock, exits 2", async () => {
    const run = await runAgainst(hub, ["--locked"], { cwd: project(ENCODER_CONFIG) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--locked: there is no lock");
  });
});

describe("a normal run with a lock", () => {
  test("a branch moved upstream changes nothing: --frozen and a normal run both fetch the locked commit", async () => {
    const repo = freshRepo();
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: moving\n    repo_id: ${repo}\n`);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const locked = lockText(cwd);
    const lockedCommit = hub.repo(repo)?.resolveRevision("main")?.sha as string;
    hub.pushCommit({ repo, files: { "config.json": json({ version: 2 }), "model.safetensors": generated(1_300_000, "s99") } });

    for (const args of [["--frozen"], []]) {
      const copy = project(readFileSync(join(cwd, "models.yaml"), "utf8"));
      writeFileSync(join(copy, "models.lock.json"), locked);
      hub.resetLog();
      const run = await runAgainst(hub, args, { cwd: copy });
      expect(run.stderr).not.toContain("error");
      expect(run.code).toBe(0);
      expect(count("api-revision")).toBe(0);
      expectSameBytes(hub, repo, ["config.json", "model.safetensors"], join(copy, "cache", "moving"), lockedCommit);
      expect(lockText(copy)).toBe(locked);
    }
  });

  test("--refresh moves a locked branch forward and rewrites the lock, naming the move; lock --refresh re-pins without downloading", async () => {
    const repo = freshRepo();
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: moving\n    repo_id: ${repo}\n`);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const first = hub.repo(repo)?.resolveRevision("main")?.sha as string;
    const second = hub.pushCommit({ repo, files: { "model.safetensors": generated(1_250_000, "moved-1") } });
    const run = await runAgainst(hub, ["--refresh"], { cwd });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`re-resolved moving (main ${first.slice(0, 12)} → ${second.slice(0, 12)})`);
    expect(lockJson(cwd).models[0].commit).toBe(second);
    expectSameBytes(hub, repo, ["model.safetensors"], join(cwd, "cache", "moving"), second);

    const third = hub.pushCommit({ repo, files: { "model.safetensors": generated(1_260_000, "moved-2") } });
    hub.resetLog();
    const relock = await runAgainst(hub, ["lock", "--refresh"], { cwd });
    expect(relock.code).toBe(0);
    expect(lockJson(cwd).models[0].commit).toBe(third);
    expect(hub.requests.some((request) => request.listener === "cdn")).toBe(false);
    expect((await runAgainst(hub, ["--frozen", "--refresh"], { cwd })).code).toBe(2);
  });

  test("a new model is resolved and added to the lock (the user is told); the pinned one is not asked about", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), BOTH_CONFIG);
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("updated the lock");
    expect(run.stderr).toContain("added tagger");
    expect(hub.requests.filter((request) => request.route === "api-revision").map((request) => request.repo)).toEqual([TAGGER]);
    expect(lockJson(cwd).models.map((model: { id: string }) => model.id)).toEqual(["encoder", "tagger"]);
    // And the updated lock now satisfies --locked.
    expect((await runAgainst(hub, ["--locked", "-q"], { cwd })).code).toBe(0);
  });

  test("a configuration without a lock behaves as before and writes no lock", async () => {
    const cwd = project(ENCODER_CONFIG);
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expect(existsSync(join(cwd, "models.lock.json"))).toBe(false);
  });

  test("a lock with a tampered hash makes the run exit 3, naming the file, both hashes and the lock", async () => {
    for (const args of [[], ["--frozen"]]) {
      const cwd = project(ENCODER_CONFIG);
      expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
      const lock = lockJson(cwd);
      const real = hub.file(ENCODER, "model.safetensors")?.sha256 as string;
      const forged = "0".repeat(64);
      lock.models[0].files[1].sha256 = forged;
      writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
      const run = await runAgainst(hub, args, { cwd });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('"model.safetensors"');
      expect(run.stderr).toContain(forged);
      expect(run.stderr).toContain(real);
      expect(run.stderr).toContain(join(cwd, "models.lock.json"));
      expect(existsSync(join(cwd, "cache", "encoder", "model.safetensors"))).toBe(false);
    }
  });

  test("lock --refresh and --refresh re-pin an entry edited by hand at the same commit (a changed hash, a dropped file), as the exit-3 message advises", async () => {
    for (const args of [["lock", "--refresh"], ["--refresh"]]) {
      const cwd = project(ENCODER_CONFIG);
      expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
      const pinned = lockText(cwd);
      const lock = lockJson(cwd);
      lock.models[0].files[1].sha256 = "0".repeat(64);
      lock.models[0].files.pop();
      writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
      const run = await runAgainst(hub, args, { cwd });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain("updated the lock");
      expect(run.stderr).toContain(`encoder (main ${lock.models[0].commit.slice(0, 12)}: files re-pinned)`);
      expect(lockText(cwd)).toBe(pinned);
      expect((await runAgainst(hub, ["--frozen", "-q"], { cwd })).code).toBe(0);
    }
  });

  test("a tampered regular file's git blob id is caught by the bytes (exit 3), even at verify: none", async () => {
    const cwd = project(ENCODER_CONFIG.replace("verify: sha256", "verify: none"));
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const lock = lockJson(cwd);
    lock.models[0].files[0].gitOid = "1".repeat(40);
    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
    const run = await runAgainst(hub, ["--frozen"], { cwd });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("config.json");
    expect(run.stderr).toContain("1".repeat(40));
    expect(run.stderr).toContain("models.lock.json");
    expect(existsSync(join(cwd, "cache", "encoder", "config.json"))).toBe(false);
  });

  test("a locked commit the Hub no longer has (history rewritten) is exit 3, naming the commit and the lock", async () => {
    const cwd = project(ENCODER_CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const lock = lockJson(cwd);
    lock.models[0].commit = "3".repeat(40);
    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
    const run = await runAgainst(hub, ["--frozen"], { cwd });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("3".repeat(40));
    expect(run.stderr).toContain(join(cwd, "models.lock.json"));
  });

  test("a warm cache at another commit than the lock is brought to the locked commit", async () => {
    const repo = freshRepo();
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: moving\n    repo_id: ${repo}\n`);
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    const before = sha256OfFile(join(cwd, "cache", "moving", "model.safetensors"));
    hub.pushCommit({ repo, files: { "model.safetensors": generated(1_100_000, "s77") } });
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    const after = sha256OfFile(join(cwd, "cache", "moving", "model.safetensors"));
    expect(after).not.toBe(before);
    expect(after).toBe(hub.file(repo, "model.safetensors")?.sha256 as string);
  });
});

describe("the lock with layout: hf", () => {
  test("--frozen fills the Hugging Face cache at the locked commit (refs/main names it) with no revision or tree request, after upstream moved", async () => {
    const repo = freshRepo();
    const cwd = project(`cache_dir: hub\nlayout: hf\nmodels:\n  - id: moving\n    repo_id: ${repo}\n`);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const locked = hub.repo(repo)?.resolveRevision("main")?.sha as string;
    hub.pushCommit({ repo, files: { "model.safetensors": generated(1_210_000, "hf-moved") } });
    hub.resetLog();
    const run = await runAgainst(hub, ["--frozen"], { cwd });
    expect(run.stderr).not.toContain("error");
    expect(run.code).toBe(0);
    expect(count("api-revision") + count("api-tree")).toBe(0);
    const repoFolder = join(cwd, "hub", `models--${repo.replace("/", "--")}`);
    expect(run.stdout).toBe(`moving\t${join(repoFolder, "snapshots", locked)}\n`);
    expect(readFileSync(join(repoFolder, "refs", "main"), "utf8")).toBe(locked);
    expectSameBytes(hub, repo, ["config.json", "model.safetensors"], join(repoFolder, "snapshots", locked), locked);
  });
});

describe("--cache-key with a lock", () => {
  test("follows the pinned content: the same lock in another order gives the same key, another hash another key", async () => {
    const cwd = project(BOTH_CONFIG);
    const unlocked = (await runAgainst(hub, ["--cache-key"], { cwd })).stdout;
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    hub.resetLog();
    const locked = (await runAgainst(hub, ["--cache-key"], { cwd })).stdout;
    expect(hub.requests).toHaveLength(0);
    expect(locked).toMatch(/^model-manager-v1-[0-9a-f]{32}\n$/);
    expect(locked).not.toBe(unlocked);

    const lock = lockJson(cwd);
    lock.models.reverse();
    for (const model of lock.models) model.files.reverse();
    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
    expect((await runAgainst(hub, ["--cache-key"], { cwd })).stdout).toBe(locked);

    lock.models[0].commit = "2".repeat(40);
    writeFileSync(join(cwd, "models.lock.json"), JSON.stringify(lock));
    expect((await runAgainst(hub, ["--cache-key"], { cwd })).stdout).not.toBe(locked);
  });
});
