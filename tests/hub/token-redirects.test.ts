import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { hasOpenssl, makeCertificates, type TestCertificates } from "../helpers/test-certificates.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub, TEST_TOKENS } from "../local-hub/index.ts";
import { startConnectProxy } from "./connect-proxy.ts";

const REPO = "acme/mirrored";
const FILES = { "config.json": json({ mirrored: true }), "model.safetensors": generated(300_000) };
const CONFIG = `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;
const TOKEN = TEST_TOKENS.approved;


type Seen = { host: string; path: string; authorization: string | null };
let hub: LocalHub;
let certificates: TestCertificates;
let https: ReturnType<typeof Bun.serve> | undefined;
const seen: Seen[] = [];

beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
  if (!hasOpenssl) return;
  certificates = makeCertificates(["huggingface.co", "hf.co", "evil.example"]);
  // "https://huggingface.co" and "https://evil.example", both served here and backed by the local hub.
  https = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: certificates.cert, key: certificates.key },
    fetch(request) {
      const url = new URL(request.url);
      seen.push({ host: request.headers.get("host") ?? "", path: url.pathname, authorization: request.headers.get("authorization") });
      const headers = new Headers(request.headers);
      headers.delete("host");
      return fetch(`${hub.url}${url.pathname}${url.search}`, { headers, redirect: "manual", decompress: false, proxy: false } as RequestInit);
    },
  });
});
afterAll(() => {
  https?.stop(true);
  return hub.stop();
});
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
  seen.length = 0;
});

/** The mirror (the local hub as HF_ENDPOINT) answers the resolve of config.json with an absolute redirect to `origin`. */
function mirrorRedirectsTo(origin: string): void {
  const commit = hub.file(REPO, "config.json")?.commit;
  hub.inject({ kind: "status", status: 308, headers: { Location: `${origin}/${REPO}/resolve/${commit}/config.json` }, route: "resolve", path: "config.json" });
}

/** The token set, and every https request tunnelled through the CONNECT proxy to the local https server. */
function throughProxy(proxyUrl: string): Record<string, string> {
  return { HF_TOKEN: TOKEN, HTTPS_PROXY: proxyUrl, NO_PROXY: "localhost,127.0.0.1", NODE_EXTRA_CA_CERTS: certificates.caPath };
}

describe.skipIf(!hasOpenssl)("where the token may follow a redirect", () => {
  test("a mirror's redirect to https://huggingface.co keeps the token; the CDN still never sees it", async () => {
    using proxy = startConnectProxy(Number(https?.port));
    mirrorRedirectsTo("https://huggingface.co");
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["-q"], { cwd, env: throughProxy(proxy.url) });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
    expect(proxy.tunnels).toContain("huggingface.co:443");
    const official = seen.filter((request) => request.host === "huggingface.co");
    expect(official.length).toBeGreaterThan(0);
    for (const request of official) expect(request.authorization).toBe(`Bearer ${TOKEN}`);
    expect(hub.tokenSeenAtCdn).toBe(false);
  });

  test("a redirect to any other https host gets no token", async () => {
    using proxy = startConnectProxy(Number(https?.port));
    mirrorRedirectsTo("https://evil.example");
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["-q"], { cwd, env: throughProxy(proxy.url) });
    expect(run.code).toBe(0);
    expect(proxy.tunnels).toContain("evil.example:443");
    const stranger = seen.filter((request) => request.host === "evil.example");
    expect(stranger.length).toBeGreaterThan(0);
    for (const request of stranger) expect(request.authorization).toBeNull();
    expect(hub.tokenSeenAtCdn).toBe(false);
  });
});
