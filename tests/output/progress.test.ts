import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generated, json, type LocalHub, TEST_TOKENS } from "../local-hub/index.ts";
import { binaryPath } from "../helpers/binary.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { cleanEnv } from "../helpers/run-cli.ts";

const CONFIG = "cache_dir: cache\nverify: sha256\nmodels:\n  - id: big\n    repo_id: acme/big\n";
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/big", files: { "config.json": json({}), "model.safetensors": generated(20 * 1024 * 1024) } }] });
});
afterAll(() => hub.stop());

describe("progress output", () => {
  test("in a log (not a terminal): plain lines for a large file's start and end, no control characters, results on stdout only", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("big: fetching 2 files, 20.0 MiB");
    expect(run.stderr).toMatch(/big: downloading model\.safetensors \(20\.0 MiB\)\n/);
    expect(run.stderr).toMatch(/big: finished model\.safetensors \(20\.0 MiB in [\d.]+ m?s, [\d.]+ [KMG]iB\/s\)\n/);
    expect(run.stderr).not.toContain("config.json");
    expect(CONTROL.test(run.stderr)).toBe(false);
    expect(CONTROL.test(run.stdout.replaceAll("\t", ""))).toBe(false);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
  });

  test("on a terminal: a live multibar with a total line, drawn with cursor control", async () => {
    const cwd = project(CONFIG);
    const command = `${await binaryPath()} --config models.yaml`;
    const proc = Bun.spawn(["script", "-qec", command, "/dev/null"], {
      cwd,
      env: cleanEnv({ HF_ENDPOINT: hub.url, TERM: "xterm-256color", COLUMNS: "120" }),
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore",
    });
    const [screen, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(screen).toContain("\x1b[");
    expect(screen).toMatch(/total .*\/ 20\.0 MiB/);
    expect(screen).toContain("big: downloaded 2 files");
    // The result line comes after the bars, not drawn over by them.
    expect(screen.lastIndexOf("big\t")).toBeGreaterThan(screen.lastIndexOf("total"));
  });

  test("HF_HUB_DISABLE_PROGRESS_BARS=1 gives plain lines even on a terminal", async () => {
    const cwd = project(CONFIG);
    const proc = Bun.spawn(["script", "-qec", `${await binaryPath()} --config models.yaml`, "/dev/null"], {
      cwd,
      env: cleanEnv({ HF_ENDPOINT: hub.url, TERM: "xterm-256color", HF_HUB_DISABLE_PROGRESS_BARS: "1" }),
      stdout: "pipe",
      stdin: "ignore",
    });
    const [screen, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(screen).not.toContain("\x1b[");
    expect(screen).toContain("big: downloading model.safetensors");
  });

  test("-v logs each request with the token redacted and the CDN query hidden", async () => {
    const cwd = project(CONFIG);
    const token = TEST_TOKENS.user;
    const run = await runAgainst(hub, ["-v"], { cwd, env: { HF_TOKEN: token } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/\[debug\] GET http:\/\/localhost:\d+\/api\/models\/acme\/big\/revision\/main \[token sent\] -> \d+/);
    expect(run.stderr).toMatch(/\[debug\] GET http:\/\/127\.0\.0\.1:\d+\/\S+\?… -> 200/);
    expect(run.stderr).toContain("token from HF_TOKEN");
    expect(run.stderr).not.toContain(token);
  });
});
