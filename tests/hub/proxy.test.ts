import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

/** A minimal forwarding HTTP proxy that records the absolute URLs it was asked for. */
function startProxy() {
  const seen: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(request) {
      seen.push(request.url);
      const headers = new Headers(request.headers);
      headers.delete("proxy-connection");
      return fetch(request.url, { method: request.method, headers, redirect: "manual", decompress: false, proxy: false } as RequestInit);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

let hub: LocalHub;
let proxy: ReturnType<typeof startProxy>;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/proxied", files: { "config.json": json({ via: "proxy" }), "model.safetensors": generated(500_000) } }] });
  proxy = startProxy();
});
afterAll(() => {
  proxy.stop();
  return hub.stop();
});

const CONFIG = "cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: acme/proxied\n";

describe("proxies (Bun's fetch reads HTTP_PROXY/HTTPS_PROXY/ALL_PROXY and NO_PROXY)", () => {
  test("HTTP_PROXY carries every request, to the Hub and to the CDN", async () => {
    const cwd = project(CONFIG);
    proxy.seen.length = 0;
    const run = await runAgainst(hub, ["-q"], { cwd, env: { HTTP_PROXY: proxy.url } });
    expect(run.code).toBe(0);
    expectSameBytes(hub, "acme/proxied", ["config.json", "model.safetensors"], join(cwd, "cache", "m"));
    expect(proxy.seen.some((url) => url.startsWith(`${hub.url}/api/models/acme/proxied/revision/`))).toBe(true);
    expect(proxy.seen.some((url) => url.startsWith(hub.cdnUrl))).toBe(true);
  });

  test("NO_PROXY exempts the listed hosts", async () => {
    const cwd = project(CONFIG);
    proxy.seen.length = 0;
    const run = await runAgainst(hub, ["-q"], { cwd, env: { HTTP_PROXY: proxy.url, NO_PROXY: "localhost,127.0.0.1" } });
    expect(run.code).toBe(0);
    expect(proxy.seen).toEqual([]);
  });

  test("an unreachable proxy is a download error, not a hang", async () => {
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd, env: { HTTP_PROXY: "http://127.0.0.1:9", MODEL_MANAGER_MAX_ATTEMPTS: "2" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`HF_ENDPOINT=${hub.url} cannot be reached`);
  });
});
