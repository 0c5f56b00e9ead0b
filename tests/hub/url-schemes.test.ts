import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

const REPO = "acme/redirected";
const BIG = "model.safetensors";
const CONFIG = `cache_dir: cache\nverify: size\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;
const RANGED = { MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "1MiB" };
const STREAMED = { MODEL_MANAGER_RANGED_THRESHOLD: "1GiB" };
const BIG_SIZE = 3 * 1024 * 1024;

/** A file the hostile server would like copied into the cache (a private key, say). */
const SECRET_TEXT = "-----BEGIN PRIVATE KEY----- not really\n";
let secretFile: string;

let hub: LocalHub;
beforeAll(async () => {
  secretFile = join(tempDir("mm-secret"), "id_ed25519");
  // As large as the listed file, so that `verify: size` would accept it if it were ever read.
  writeFileSync(secretFile, SECRET_TEXT.padEnd(BIG_SIZE, "x"));
  hub = await startHub({ repos: [{ id: REPO, files: { "config.json": json({ a: 1 }), [BIG]: generated(BIG_SIZE) } }] });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

/** Every file the run left under the project, with its content. */
function writtenFiles(cwd: string): Array<{ path: string; text: string }> {
  return readdirSync(join(cwd, "cache"), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => ({ path: join(entry.parentPath, entry.name), text: readFileSync(join(entry.parentPath, entry.name), "latin1") }));
}

function expectNothingOfTheModelWritten(cwd: string): void {
  expect(existsSync(join(cwd, "cache", "m", BIG))).toBe(false);
  const files = existsSync(join(cwd, "cache")) ? writtenFiles(cwd) : [];
  for (const file of files) {
    expect(file.text).not.toContain("PRIVATE KEY");
    expect(file.path).not.toMatch(/\.part$|quarantine/);
  }
}

describe("only http and https URLs are followed", () => {
  for (const [name, env] of [
    ["one stream", STREAMED],
    ["parallel ranges", RANGED],
  ] as const) {
    test(`a redirect to a file: URL is refused, naming the scheme and the file, and nothing is written (${name})`, async () => {
      hub.inject({ kind: "status", status: 302, headers: { Location: `file://${secretFile}` }, route: "resolve", path: BIG, times: "always" });
      const cwd = project(CONFIG);
      const run = await runAgainst(hub, [], { cwd, env });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Refusing to fetch file://${secretFile} for "${BIG}" in ${REPO}`);
      expect(run.stderr).toContain('the scheme "file" is not http or https');
      expectNothingOfTheModelWritten(cwd);
    });
  }

  test("a relative-looking redirect that resolves to another scheme is refused too (s3:, signed with the environment's AWS keys)", async () => {
    hub.inject({ kind: "status", status: 307, headers: { Location: "s3://victim-bucket/key?X-Amz-Signature=abc" }, route: "resolve", path: BIG, times: "always" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], {
      cwd,
      env: { ...STREAMED, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret", S3_ENDPOINT: hub.url },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Refusing to fetch s3://victim-bucket/key?… for "model.safetensors"');
    expect(run.stderr).not.toContain("X-Amz-Signature");
    expectNothingOfTheModelWritten(cwd);
  });

  test("a redirect from the CDN to a file: URL is refused", async () => {
    hub.inject({ kind: "status", status: 301, headers: { Location: `file://${secretFile}` }, host: "cdn", path: BIG, times: "always" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd, env: STREAMED });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the scheme "file" is not http or https');
    expectNothingOfTheModelWritten(cwd);
  });

  test("a Link: rel=next page on another scheme is refused before anything is downloaded", async () => {
    hub.inject({ kind: "status", status: 200, headers: { Link: `<file://${secretFile}>; rel="next"` }, body: "[]", route: "api-tree" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refusing to fetch file://${secretFile} for the page after file list page 1 of ${REPO}`);
    expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
  });

  test("a redirect to a URL carrying user info is refused, named without it, and nothing is sent there", async () => {
    const target = `${hub.url.replace("://", "://intruder:hunter2@")}/elsewhere/${BIG}?sig=abc`;
    hub.inject({ kind: "status", status: 302, headers: { Location: target }, route: "resolve", path: BIG, times: "always" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd, env: STREAMED });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refusing to fetch ${hub.url}/elsewhere/${BIG}?… for "${BIG}" in ${REPO}`);
    expect(run.stderr).toContain("the URL carries user info");
    expect(run.stderr).not.toMatch(/intruder|hunter2|sig=abc/);
    expect(hub.requests.filter((request) => request.target.includes("/elsewhere/"))).toHaveLength(0);
    expectNothingOfTheModelWritten(cwd);
  });

  test("a Link: rel=next page carrying user info is refused before anything is downloaded", async () => {
    const next = `${hub.url.replace("://", "://intruder:hunter2@")}/api/next-page`;
    hub.inject({ kind: "status", status: 200, headers: { Link: `<${next}>; rel="next"` }, body: "[]", route: "api-tree" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refusing to fetch ${hub.url}/api/next-page for the page after file list page 1 of ${REPO}`);
    expect(run.stderr).not.toMatch(/intruder|hunter2/);
    expect(hub.requests.filter((request) => request.route === "resolve" || request.target === "/api/next-page")).toHaveLength(0);
  });

  test("relative redirects still work (resolved against the page first)", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["-q"], { cwd, env: { MODEL_MANAGER_RANGED_THRESHOLD: "1GiB" } });
    expect(run.code).toBe(0);
    expect(hub.requests.some((request) => request.route === "resolve-cache")).toBe(true);
  });

  test("HF_ENDPOINT and proxy variables must be http(s); the proxy's value (it may hold a password) is not printed", async () => {
    const cwd = project(CONFIG);
    const endpoint = await runAgainst(hub, [], { cwd, env: { HF_ENDPOINT: "file:///etc" } });
    expect(endpoint.code).toBe(2);
    expect(endpoint.stderr).toContain('HF_ENDPOINT must be an http(s) URL, but its scheme is "file"');
    const proxy = await runAgainst(hub, [], { cwd, env: { HTTPS_PROXY: "socks5://user:hunter2@127.0.0.1:1080" } });
    expect(proxy.code).toBe(2);
    expect(proxy.stderr).toContain('HTTPS_PROXY must be an http:// or https:// proxy URL, but its scheme is "socks5"');
    expect(proxy.stderr).not.toContain("hunter2");
    const schemeless = await runAgainst(hub, ["-q"], { cwd, env: { http_proxy: "127.0.0.1:9", NO_PROXY: "*" } });
    expect(schemeless.code).toBe(0);
  });
});
