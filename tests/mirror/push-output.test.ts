/** What a user sees of a push (compiled binary against moto): progress lines and bars as for downloads. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { binaryPath } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { cleanEnv } from "../helpers/run-cli.ts";
import { motoMissing, type S3Server, startMoto } from "../helpers/s3-servers.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

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
