import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { project } from "../helpers/hub-scenario.ts";
import { runCli } from "../helpers/run-cli.ts";
import { type HostileReply, type HostileRequest, startHostileServer } from "./hostile-server.ts";

const COMMIT = "c".repeat(40);
const CONFIG = "cache_dir: cache\nmodels:\n  - id: m\n    repo_id: acme/model\n";
const MiB = 1024 * 1024;

/** A Hub endpoint that answers the revision request normally and everything else with `answer`. */
function hostileHub(answer: (request: HostileRequest, url: string) => HostileReply) {
  return startHostileServer((request, server) => {
    if (request.target.includes("/revision/")) {
      return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ id: "acme/model", sha: COMMIT }) };
    }
    return answer(request, server.url);
  });
}

function runAt(endpoint: string, env: Record<string, string> = {}) {
  const cwd = project(CONFIG);
  return { cwd, run: runCli(["--config", "models.yaml"], { cwd, env: { HF_ENDPOINT: endpoint, MODEL_MANAGER_RETRY_BASE_MS: "20", ...env } }) };
}

describe("every body that is not file content is read within bounds", () => {
  test("an endless 404 body is read only for its first few KiB", async () => {
    using server = startHostileServer(() => ({ status: 404, headers: { "Content-Type": "text/plain" }, endless: "not found " }));
    const { run } = runAt(server.url);
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`HF_ENDPOINT=${server.url} does not look like a Hugging Face Hub (404 without Hub error headers`);
    // What the kernel buffers took before the client let go, not the endless body.
    expect(server.endlessBytesSent()).toBeLessThan(32 * MiB);
  });

  test("an endless tree page is refused at the 64 MiB limit for API answers, naming it", async () => {
    using server = hostileHub(() => ({ status: 200, headers: { "Content-Type": "application/json" }, endless: '{"type":"directory","path":"a"},' }));
    const { cwd, run } = runAt(server.url);
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("The answer for file list page 1 of acme/model is larger than 64.0 MiB, the limit for a Hub API answer");
    expect(server.endlessBytesSent()).toBeLessThan(128 * MiB);
    expect(existsSync(join(cwd, "cache", "m"))).toBe(false);
  });

  test("an announced Content-Length above the limit is refused before reading", async () => {
    using server = hostileHub(() => ({ raw: `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${100 * MiB}\r\n\r\n[` }));
    const { run } = runAt(server.url);
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is larger than 64.0 MiB");
  });

  test("an API answer that trickles forever (never stalling) ends at the deadline, four stall timeouts, and is not retried past it", async () => {
    using server = hostileHub(() => ({ status: 200, headers: { "Content-Type": "application/json" }, trickle: { text: " ", everyMs: 100 } }));
    const { run } = runAt(server.url, { HF_HUB_DOWNLOAD_TIMEOUT: "0.5" });
    const result = await run;
    expect(result.code).toBe(1);
    const treeUrl = `${server.url}/api/models/acme/model/tree/${COMMIT}`;
    expect(result.stderr).toContain(`The server is too slow: the file list page 1 of acme/model from ${treeUrl}?… was not complete after 2 s (1 attempt)`);
    expect(result.stderr).not.toContain("recursive=");
    // The deadline bounds the call, retries included: 1 attempt, not one deadline per attempt of the retry policy.
    expect(server.requests.filter((request) => request.target.includes("/tree/"))).toHaveLength(1);
  });

  test("the deadline spans the attempts: after a stalled attempt, the retry only gets what is left of it", async () => {
    let trees = 0;
    using server = hostileHub(() => (++trees === 1 ? { hold: true } : { status: 200, headers: { "Content-Type": "application/json" }, trickle: { text: " ", everyMs: 100 } }));
    const { run } = runAt(server.url, { HF_HUB_DOWNLOAD_TIMEOUT: "0.5" });
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The server is too slow: the file list page 1 of acme/model from ${server.url}/api/models/acme/model/tree/${COMMIT}?… was not complete after 2 s (2 attempts)`);
    expect(trees).toBe(2);
  });
});

describe("pagination ends", () => {
  test("a cursor that always points to a new page with nothing new stops with an error", async () => {
    let cursor = 0;
    using server = hostileHub((_, url) => ({
      status: 200,
      headers: { "Content-Type": "application/json", Link: `<${url}/api/models/acme/model/tree/${COMMIT}?cursor=${++cursor}>; rel="next"` },
      body: JSON.stringify([{ type: "file", path: "config.json", oid: "a".repeat(40), size: 2 }]),
    }));
    const { run } = runAt(server.url);
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("The Hub's file listing of acme/model announces a page after page 2, which listed nothing new");
    expect(server.requests.filter((request) => request.target.includes("/tree/"))).toHaveLength(2);
  });

  test("a cursor that points back to a page already read stops with an error", async () => {
    let page = 0;
    using server = hostileHub((request, url) => ({
      status: 200,
      headers: { "Content-Type": "application/json", Link: `<${url}/api/models/acme/model/tree/${COMMIT}?cursor=${request.target.includes("cursor=1") ? 0 : 1}>; rel="next"` },
      body: JSON.stringify([{ type: "file", path: `f${++page}.json`, oid: "a".repeat(40), size: 2 }]),
    }));
    const { run } = runAt(server.url);
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("loops back to a page already read");
  });
});
