import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { startHostileServer } from "./hostile-server.ts";
import { cleanServerText } from "../../src/hub/server-text.ts";
import { withoutUrlQueries } from "../../src/hub/urls.ts";

const REPO = "acme/chatty";
const BIG = "model.safetensors";
const CONFIG = `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;
const ESCAPES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { "config.json": json({ a: 1 }), [BIG]: generated(2 * 1024 * 1024) } }] });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

describe("signed URLs never reach a message", () => {
  test("a malformed answer from the signed CDN URL is reported with scheme, host and path only, also with --json", async () => {
    using cdn = startHostileServer(() => ({ raw: "HTTP/1.1 200 OK\r\nNot a header line\r\n\r\nhello" }));
    const signed = `${cdn.url}/blobs/abc?Expires=1&X-Amz-Signature=SIGSECRET&Key-Pair-Id=K`;
    hub.inject({ kind: "status", status: 302, headers: { Location: signed }, route: "resolve", path: BIG, times: "always" });
    for (const args of [[], ["--json"]]) {
      const run = await runAgainst(hub, args, { cwd: project(CONFIG), env: { MODEL_MANAGER_MAX_ATTEMPTS: "2" } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${cdn.url}/blobs/abc?…`);
      expect(run.stderr + run.stdout).not.toContain("SIGSECRET");
      expect(run.stderr + run.stdout).not.toContain("Key-Pair-Id");
    }
    expect(cdn.requests.length).toBeGreaterThan(0);
  });
});

describe("server text is printed without control characters", () => {
  test("a JSON error with ANSI escapes and a bell is shown as plain text", async () => {
    hub.inject({ kind: "status", status: 400, body: JSON.stringify({ error: "\x1b[2J\x1b[31mbad\x1b]0;owned\x07 request\x9b1m\r\nnext" }), route: "api-revision" });
    const run = await runAgainst(hub, [], { cwd: project(CONFIG) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Hub says: bad request next");
    expect(ESCAPES.test(run.stderr.replaceAll("\n", ""))).toBe(false);
  });

  test("a malformed tree entry is described without echoing raw control characters", async () => {
    hub.inject({ kind: "status", status: 200, body: JSON.stringify([{ type: "file", path: "a", oid: "\x1b[31mnot-a-sha", size: 1 }]), route: "api-tree" });
    const run = await runAgainst(hub, [], { cwd: project(CONFIG) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The Hub's file listing of ${REPO} (page 1) is malformed`);
    expect(ESCAPES.test(run.stderr.replaceAll("\n", ""))).toBe(false);
  });

  test("cleanServerText removes escape sequences, C0/C1 controls and bidi overrides, and caps the length", () => {
    expect(cleanServerText("\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ \u202eevil")).toBe("red link evil");
    expect(cleanServerText("a\tb\nc")).toBe("a b c");
    expect(cleanServerText("x".repeat(400), 10)).toBe(`${"x".repeat(10)}…`);
  });

  test("withoutUrlQueries keeps scheme, host and path of every URL in a text", () => {
    expect(withoutUrlQueries('fetching "https://cdn.example/a/b?X-Amz-Signature=s&x=1". Retry')).toBe('fetching "https://cdn.example/a/b?…". Retry');
    expect(withoutUrlQueries("see https://huggingface.co/org/model.")).toBe("see https://huggingface.co/org/model.");
    expect(withoutUrlQueries("s3://bucket/key?sig=1 and http://u:p@h:8/p#frag")).toBe("s3://bucket/key?… and http://h:8/p");
  });

  test("withoutUrlQueries also drops the query of a request target quoted without its origin (an S3 error echoing the request)", () => {
    expect(withoutUrlQueries("The request /fleet/k?X-Amz-Signature=abc&X-Amz-Credential=AKID was refused")).toBe("The request /fleet/k?… was refused");
    expect(withoutUrlQueries("what? and why?")).toBe("what? and why?");
  });
});
