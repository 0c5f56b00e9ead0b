/** The hub as its own process (main.ts): the ready line, the admin API, shutdown. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InjectedFault } from "./faults.ts";
import type { RequestRecord } from "./request-log.ts";

const MAIN = join(import.meta.dir, "main.ts");
const REPO = "acme/proc";
let dataDir: string;
let child: Bun.Subprocess<"ignore", "pipe", "pipe">;
let ready: { url: string; cdnUrl: string; admin: string; dataDir: string; repos: string[] };

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the hub exited before it was ready: ${JSON.stringify(text)}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text.slice(0, text.indexOf("\n"));
}

async function admin<T = Record<string, unknown>>(method: string, action: string, body?: unknown): Promise<T> {
  const response = await fetch(`${ready.admin}/${action}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "hub-main-"));
  child = Bun.spawn(
    ["bun", MAIN, "--synthetic", `${REPO}=1x300KiB:model.safetensors,3x1KiB:cfg-{i}.json`, "--data-dir", dataDir, "--tree-page-size", "2"],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  ready = JSON.parse(await firstLine(child.stdout));
});

afterAll(async () => {
  if (child.exitCode === null) child.kill();
  await child.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describe("main.ts", () => {
  test("prints the URLs and repositories when ready", async () => {
    expect(ready.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(ready.cdnUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.admin).toBe(`${ready.url}/__admin`);
    expect(ready.repos).toEqual([`models/${REPO}`]);
    expect(await admin("GET", "health")).toEqual({ ok: true });
    const tree = await fetch(`${ready.url}/api/models/${REPO}/tree/main`);
    expect(tree.headers.get("link")).toContain("cursor=");
  });

  test("faults and the request log through the admin API", async () => {
    await admin("DELETE", "requests");
    const { injected } = await admin<{ injected: InjectedFault[] }>("POST", "faults", [{ kind: "status", status: 502, route: "resolve" }]);
    expect(injected[0]).toMatchObject({ id: expect.any(Number), fired: 0, remaining: 1 });
    expect((await fetch(`${ready.url}/${REPO}/resolve/main/cfg-00001.json`)).status).toBe(502);
    expect((await fetch(`${ready.url}/${REPO}/resolve/main/cfg-00001.json`)).status).toBe(200);
    const { faults } = await admin<{ faults: InjectedFault[] }>("GET", "faults");
    expect(faults[0]).toMatchObject({ fired: 1, remaining: 0 });
    const { requests } = await admin<{ requests: RequestRecord[] }>("GET", "requests");
    expect(requests.map((record) => `${record.route}:${record.status}`)).toEqual(["resolve:502", "resolve:307", "resolve-cache:200"]);
    const since = requests.at(-1)!.seq;
    expect((await admin<{ requests: RequestRecord[] }>("GET", `requests?since=${since}`)).requests).toEqual([]);
    expect(await admin("GET", "stats")).toMatchObject({ requests: 3, tokenSeenAtCdn: false, byStatus: { "502": 1, "307": 1, "200": 1 } });
    const invalid = await fetch(`${ready.admin}/faults`, { method: "POST", body: JSON.stringify({ kind: "drop" }) });
    expect(invalid.status).toBe(400);
  });

  test("throttle, settings, an upstream commit and the CDN clock", async () => {
    await admin("PUT", "throttle", { latencyMs: 80 });
    const started = performance.now();
    await fetch(`${ready.url}/api/models/${REPO}`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(80);
    await admin("POST", "reset");
    expect(await admin("GET", "throttle")).toEqual({});

    expect(await admin("PUT", "settings", { treePageSize: 1000 })).toMatchObject({ treePageSize: 1000, treePageSizeExpand: 50 });
    expect((await fetch(`${ready.admin}/settings`, { method: "PUT", body: '{"pageSize": 3}' })).status).toBe(400);
    expect((await fetch(`${ready.url}/api/models/${REPO}/tree/main`)).headers.get("link")).toBeNull();

    const { commit } = await admin<{ commit: string }>("POST", "commits", { repo: REPO, files: { "new.txt": "hello\n", "blob.bin": { base64: "AAEC" } } });
    const info = (await (await fetch(`${ready.url}/api/models/${REPO}`)).json()) as { sha: string };
    expect(info.sha).toBe(commit);
    expect(await (await fetch(`${ready.url}/${REPO}/resolve/main/new.txt`)).text()).toBe("hello\n");

    const location = (await fetch(`${ready.url}/${REPO}/resolve/main/model.safetensors`, { redirect: "manual" })).headers.get("location")!;
    await admin("POST", "clock", { advanceSeconds: 7200 });
    expect((await fetch(location)).status).toBe(403);
    await admin("POST", "clock", { advanceSeconds: -7200 });
    expect((await fetch(location)).status).toBe(200);
  });

  test("POST shutdown stops the process with status 0", async () => {
    expect(await admin("POST", "shutdown")).toEqual({ ok: true });
    expect(await child.exited).toBe(0);
  });
});

describe("main.ts usage", () => {
  test("an unknown preset is a usage error (exit 2)", async () => {
    const result = Bun.spawn(["bun", MAIN, "--preset", "nope"], { stdout: "pipe", stderr: "pipe" });
    expect(await result.exited).toBe(2);
    expect(await new Response(result.stderr).text()).toContain("unknown preset nope");
  });
});
