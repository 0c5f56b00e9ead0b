/**
 * A mirror is never trusted more than the Hub: a raw-TCP mirror that answers with
 * endless, malformed, slow or hostile objects costs a bounded read and a message
 * naming the mirror, and the model comes from the Hub.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { type HostileReply, type HostileRequest, startHostileServer } from "../hub/hostile-server.ts";

const REPO = "acme/tiny";
const PATHS = ["config.json", "model.safetensors"];
const CONFIG = `cache_dir: cache\nmodels:\n  - id: tiny\n    repo_id: ${REPO}\n`;
const MiB = 1024 * 1024;

let hub: LocalHub;
let commit: string;

beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { "config.json": json({ tiny: true }), "model.safetensors": generated(200_000, "tiny") } }] });
  commit = hub.file(REPO, "config.json")?.commit as string;
});

afterAll(() => hub.stop());

/** The manifest an honest push would write, with `change` applied to it. */
function manifest(change: (honest: Record<string, unknown>) => unknown = (honest) => honest): string {
  const files = PATHS.map((path) => {
    const served = hub.file(REPO, path);
    if (!served) throw new Error(`no ${path}`);
    return { path, size: served.size, ...(served.lfs ? { sha256: served.sha256 } : { gitOid: served.oid }) };
  });
  return JSON.stringify(change({ manifestVersion: 1, repoId: REPO, repoType: "model", commit, files, stored: [...PATHS] }));
}

const ok = (body: string): HostileReply => ({ status: 200, headers: { "Content-Type": "application/octet-stream" }, body });
const notFound: HostileReply = { status: 404, body: "" };

/** A mirror whose ref for `main` names the hub's commit and whose manifest is `manifestReply`; blobs are missing. */
function mirrorWith(manifestReply: (request: HostileRequest, url: string) => HostileReply, refReply?: (request: HostileRequest) => HostileReply) {
  return startHostileServer((request, server) => {
    if (request.target.startsWith("/refs/")) return refReply ? refReply(request) : ok(commit);
    if (request.target.startsWith("/manifests/")) return manifestReply(request, server.url);
    return notFound;
  });
}

async function pull(mirror: string, env: Record<string, string> = {}, args: string[] = []) {
  const cwd = project(CONFIG);
  const result = await runAgainst(hub, args, { cwd, env: { MODEL_MANAGER_MIRROR: mirror, ...env } });
  return { cwd, ...result };
}

/** The run succeeded with the Hub's bytes, and said once, naming the mirror, why the mirror was not used. */
function expectHubFallback(result: { cwd: string; code: number | null; stderr: string }, mirror: string, said: string) {
  expect(result.stderr).toContain(said);
  expect(result.stderr).toContain(mirror);
  expect(result.code).toBe(0);
  expect(result.stderr.split(said).length - 1).toBe(1);
  expectSameBytes(hub, REPO, PATHS, join(result.cwd, "cache", "tiny"));
}

describe("manifest and ref reads are bounded", () => {
  test("an endless manifest is refused at the manifest limit while it streams, and the model comes from the Hub", async () => {
    using server = mirrorWith(() => ({ status: 200, headers: { "Content-Type": "application/json" }, endless: '{"path":"a",' }));
    const result = await pull(server.url);
    expectHubFallback(result, server.url, "larger than 32.0 MiB");
    expect(server.endlessBytesSent()).toBeLessThan(64 * MiB);
  });

  test("a manifest announcing a huge Content-Length is refused before its body is read", async () => {
    using server = mirrorWith(() => ({ raw: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${100 * MiB}\r\n\r\n{` }));
    expectHubFallback(await pull(server.url), server.url, "larger than 32.0 MiB");
  });

  test("an endless ref is refused at its limit", async () => {
    using server = mirrorWith(() => notFound, () => ({ status: 200, endless: "c" }));
    const result = await pull(server.url);
    expectHubFallback(result, server.url, "larger than 1.0 KiB");
    expect(server.endlessBytesSent()).toBeLessThan(32 * MiB);
  });
});

test("an endless 404 for the manifest is read only for its first 64 KiB: the mirror lacks the model, it comes from the Hub", async () => {
  using server = mirrorWith(() => ({ status: 404, headers: { "Content-Type": "application/xml" }, endless: "<Error>" }));
  const result = await pull(server.url);
  expectHubFallback(result, server.url, "tiny: not in the mirror");
  expect(server.endlessBytesSent()).toBeLessThan(32 * MiB);
});

describe("a manifest is checked field by field", () => {
  const cases: Array<[string, (honest: Record<string, unknown>) => unknown, string]> = [
    ["a path climbing out", (m) => withFile(m, { path: "../escape.json" }), "files.0.path"],
    ["an absolute path", (m) => withFile(m, { path: "/etc/escape" }), "files.0.path"],
    ["a backslash", (m) => withFile(m, { path: "a\\b.json" }), "files.0.path"],
    ["a control character", (m) => withFile(m, { path: "conf\u0007ig.json" }), "files.0.path"],
    ["a negative size", (m) => withFile(m, { size: -1 }), "files.0.size"],
    ["a fractional size", (m) => withFile(m, { size: 1.5 }), "files.0.size"],
    ["an absurd size", (m) => withFile(m, { size: 1e300 }), "files.0.size"],
    ["a hash of the wrong shape", (m) => withFile(m, { gitOid: "xyz" }), "files.0.gitOid"],
    ["a commit that is not 40-hex", (m) => ({ ...m, commit: "main" }), "commit"],
    ["the same path twice with different hashes", (m) => ({ ...m, files: [...(m.files as object[]), { path: "config.json", size: 3, gitOid: "d".repeat(40) }] }), "lists a path twice"],
    ["another repository", (m) => ({ ...m, repoId: "acme/other" }), "describes model acme/other"],
  ];
  for (const [what, change, field] of cases) {
    test(`${what}: refused, naming the mirror and the field; the model comes from the Hub`, async () => {
      using server = mirrorWith(() => ok(manifest(change)));
      expectHubFallback(await pull(server.url), `${server.url}/manifests/model/${REPO}/${commit}.json`, field);
    });
  }

  test("a ref that is not a 40-hex commit: refused, naming the ref; the model comes from the Hub", async () => {
    using server = mirrorWith(() => ok(manifest()), () => ok("../../etc"));
    expectHubFallback(await pull(server.url), `${server.url}/refs/model/${REPO}/main`, "expected a 40-hex commit");
  });
});

function withFile(honest: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> {
  const [first, ...rest] = honest.files as Array<Record<string, unknown>>;
  const stored = (honest.stored as string[]).map((path) => (path === first?.path && typeof change.path === "string" ? change.path : path));
  return { ...honest, files: [{ ...first, ...change }, ...rest], stored };
}

describe("a slow mirror costs a bounded wait", () => {
  test("a manifest that trickles forever ends at the API deadline (four stall timeouts), said once; the model comes from the Hub", async () => {
    using server = mirrorWith(() => ({ status: 200, headers: { "Content-Type": "application/json" }, trickle: { text: " ", everyMs: 100 } }));
    const result = await pull(server.url, { HF_HUB_DOWNLOAD_TIMEOUT: "0.5" });
    expectHubFallback(result, `mirror ${server.url} did not deliver manifests/model/${REPO}/${commit}.json`, "no complete answer within 2 s");
  });

  test("a ref that never arrives is a stall, said once; the model comes from the Hub", async () => {
    using server = mirrorWith(() => notFound, () => ({ hold: true }));
    const result = await pull(server.url, { HF_HUB_DOWNLOAD_TIMEOUT: "0.5" });
    expectHubFallback(result, server.url, "no data received for");
  });
});

describe("what a mirror says is cleaned before it is printed", () => {
  const hostile = "\u001b[2J\u001b]8;;http://evil.example/\u0007click\u001b]8;;\u0007 \u202eevil\u0007";

  test("an S3 error document with escape sequences and bidi overrides in its code and message: cleaned and cut", async () => {
    const xml = `<?xml version="1.0"?><Error><Code>Odd${hostile}</Code><Message>${hostile}${"x".repeat(5000)}</Message></Error>`;
    using server = mirrorWith(() => ({ status: 400, headers: { "Content-Type": "application/xml" }, body: xml }));
    const result = await pull(server.url, {}, ["--json"]);
    expectHubFallback(result, server.url, "using the Hub instead");
    for (const output of [result.stderr, result.stdout]) {
      expect(output).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
      expect(output).not.toContain("x".repeat(600));
    }
  });

  test("an HTML error page answering 500: the model comes from the Hub, and no page is printed", async () => {
    using server = mirrorWith(() => ({ status: 500, headers: { "Content-Type": "text/html" }, body: `<html><body>${hostile}<h1>Oops</h1></body></html>` }));
    const result = await pull(server.url);
    expectHubFallback(result, server.url, `HTTP 500 from mirror ${server.url}`);
    expect(result.stderr).not.toContain("<h1>");
    expect(result.stderr).not.toContain("\u001b");
  });
});

describe("redirects from a mirror", () => {
  test("to file: the redirect is refused, naming the scheme; the model comes from the Hub", async () => {
    using server = mirrorWith(() => ({ status: 302, headers: { Location: "file:///etc/passwd" }, body: "" }));
    const result = await pull(server.url);
    expectHubFallback(result, `mirror ${server.url} did not deliver manifests/model/${REPO}/${commit}.json`, 'the scheme "file" is not http or https');
    expect(result.stderr).not.toContain("could not be reached");
  });

  test("to a presigned URL elsewhere that fails: no query reaches stderr, --json or the -v log", async () => {
    const secret = "SIGNATUREsecret0123456789";
    using elsewhere = startHostileServer(() => ({ status: 500, body: "" }));
    using server = mirrorWith(() => ({ status: 307, headers: { Location: `${elsewhere.url}/m.json?X-Amz-Signature=${secret}&X-Amz-Credential=AKIDsecret` }, body: "" }));
    const result = await pull(server.url, {}, ["--json", "-v"]);
    expectHubFallback(result, server.url, "HTTP 500 from mirror");
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expect(result.stdout + result.stderr).not.toContain("AKIDsecret");
  });
});

describe("S3 credentials are never printed", () => {
  test("an S3 mirror whose endpoint refuses and redirects: neither key nor signature in any output", async () => {
    const keyId = "AKIAHOSTILEKEYID0001";
    const secretKey = "hostileSecretAccessKeyValue0123456789";
    const sessionToken = "hostileSessionTokenValue9876543210";
    let answers = 0;
    using endpoint = startHostileServer((request): HostileReply => {
      answers++;
      if (request.target.includes("/refs/")) return { status: 307, headers: { Location: `/elsewhere?X-Amz-Signature=${request.target.length}` }, body: "" };
      return { status: 403, headers: { "Content-Type": "application/xml" }, body: `<Error><Code>SignatureDoesNotMatch</Code><Message>${request.target}</Message></Error>` };
    });
    const env = { S3_ENDPOINT: endpoint.url, S3_REGION: "us-east-1", S3_ACCESS_KEY_ID: keyId, S3_SECRET_ACCESS_KEY: secretKey, S3_SESSION_TOKEN: sessionToken };
    for (const args of [[], ["--json"], ["-v"]]) {
      const result = await pull("s3://fleet/team", env, args);
      expect(result.code).toBe(5);
      expect(result.stderr).toContain("mirror s3://fleet/team");
      for (const secret of [keyId, secretKey, sessionToken, "X-Amz-Signature", "X-Amz-Credential"]) {
        expect(result.stdout + result.stderr).not.toContain(secret);
      }
    }
    expect(answers).toBeGreaterThan(0);
  });
});

describe("a mirror location that is not s3:// or http(s):// is a configuration error naming it and its source", () => {
  const locations: Array<[string, string, string[]]> = [
    ["file:///srv/mirror", 'the scheme "file" is not supported', []],
    ["ftp://mirror.example/models", 'the scheme "ftp" is not supported', []],
    ["s3://", "names no bucket", []],
    ["s3:///prefix", "names no bucket", []],
    ["s3://bucket?versionId=1", "must not carry a query", []],
    ["s3://AKIDUSER:s3cretPass@bucket/prefix", "credentials", ["s3cretPass", "AKIDUSER"]],
    ["https://user:httpsPass@mirror.example/models", "credentials", ["httpsPass"]],
  ];
  for (const [location, said, secrets] of locations) {
    test(`${location.replace(/:[^:@/]*@/, ":…@")} in MODEL_MANAGER_MIRROR and in mirrors:`, async () => {
      const fromEnv = await runAgainst(hub, [], { cwd: project(CONFIG), env: { MODEL_MANAGER_MIRROR: location } });
      const cwd = project(`${CONFIG}mirrors:\n  - ${JSON.stringify(location)}\n`);
      const fromFile = await runAgainst(hub, [], { cwd });
      for (const [result, source] of [[fromEnv, "MODEL_MANAGER_MIRROR"], [fromFile, "mirrors"]] as const) {
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(source);
        expect(result.stderr).toContain(said);
        for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);
      }
      expect(fromFile.stderr).toContain("models.yaml");
    });
  }
});

describe("blob reads from a hostile mirror", () => {
  /** A mirror holding the model honestly, except that `blob` answers for model.safetensors. */
  function mirrorWithBlob(blob: (request: HostileRequest) => HostileReply) {
    const weights = hub.file(REPO, "model.safetensors");
    const config = hub.file(REPO, "config.json");
    return startHostileServer((request) => {
      if (request.target.startsWith("/refs/")) return ok(commit);
      if (request.target.startsWith("/manifests/")) return ok(manifest());
      if (request.target === `/blobs/sha256/${weights?.sha256}`) return blob(request);
      if (request.target === `/blobs/git-sha1/${config?.oid}`) return ok(Buffer.from(config?.bytes ?? []).toString("latin1"));
      return notFound;
    });
  }

  test("a blob that never arrives is a stall: that file comes from the Hub, said once, the other from the mirror", async () => {
    using server = mirrorWithBlob(() => ({ hold: true }));
    const result = await pull(server.url, { HF_HUB_DOWNLOAD_TIMEOUT: "0.3" });
    expectHubFallback(result, server.url, "downloading the rest of the model from the Hub instead");
    expect(result.stderr).toContain("no data received for");
    expect(server.requests.some((request) => request.target.startsWith("/blobs/git-sha1/"))).toBe(true);
  });

  test("a blob redirected to file: is refused, naming the scheme; the file comes from the Hub", async () => {
    using server = mirrorWithBlob(() => ({ status: 302, headers: { Location: "file:///etc/passwd" }, body: "" }));
    expectHubFallback(await pull(server.url), server.url, 'the scheme "file" is not http or https');
  });

  test("a blob redirected to a presigned URL that refuses: no query in stderr, --json or the -v log", async () => {
    const secret = "BLOBSIGNATUREsecret42";
    using elsewhere = startHostileServer((request) => ({ status: 500, headers: { "Content-Type": "application/xml" }, body: `<Error><Code>InternalError</Code><Message>${request.target}</Message></Error>` }));
    using server = mirrorWithBlob(() => ({ status: 302, headers: { Location: `${elsewhere.url}/blob?X-Amz-Signature=${secret}` }, body: "" }));
    const result = await pull(server.url, {}, ["--json", "-v"]);
    expect(result.code).toBe(0);
    expect(elsewhere.requests.length).toBeGreaterThan(0);
    expect(result.stdout + result.stderr).not.toContain(secret);
    expectSameBytes(hub, REPO, PATHS, join(result.cwd, "cache", "tiny"));
  });
});

describe("with a committed lock", () => {
  async function locked(): Promise<string> {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock"], { cwd })).code).toBe(0);
    return cwd;
  }

  test("a malformed manifest for the locked commit: skipped with a warning, the locked files come from the Hub", async () => {
    const cwd = await locked();
    using server = mirrorWith(() => ok(manifest((m) => withFile(m, { path: "../escape.json" }))));
    const result = await runAgainst(hub, ["--frozen"], { cwd, env: { MODEL_MANAGER_MIRROR: server.url } });
    expectHubFallback({ ...result, cwd }, server.url, "files.0.path");
    // The lock names the commit: the mirror's ref is not asked.
    expect(server.requests.some((request) => request.target.startsWith("/refs/"))).toBe(false);
  });

  test("a well-formed manifest that disagrees with the lock: exit 3, naming the manifest and the file", async () => {
    const cwd = await locked();
    using server = mirrorWith(() => ok(manifest((m) => withFile(m, { gitOid: "d".repeat(40) }))));
    const result = await runAgainst(hub, ["--frozen"], { cwd, env: { MODEL_MANAGER_MIRROR: server.url } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`the mirror manifest ${server.url}/manifests/model/${REPO}/${commit}.json disagrees with the lock`);
    expect(result.stderr).toContain('"config.json"');
  });
});
