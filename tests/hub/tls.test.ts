import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { json, type LocalHub } from "../local-hub/index.ts";
import { hasOpenssl, makeCertificates, type TestCertificates } from "../helpers/test-certificates.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";

if (!hasOpenssl) console.warn("SKIP TLS tests: openssl is not installed");

let hub: LocalHub;
let tlsFront: ReturnType<typeof Bun.serve> | undefined;
let certificates: TestCertificates;

beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/secure", files: { "config.json": json({ tls: true }) } }] });
  if (!hasOpenssl) return;
  certificates = makeCertificates(["localhost", "127.0.0.1"]);
  // An HTTPS front for the hub, as a mirror behind a private CA would be.
  tlsFront = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: certificates.cert, key: certificates.key },
    fetch(request) {
      const url = new URL(request.url);
      return fetch(`${hub.url}${url.pathname}${url.search}`, { headers: request.headers, redirect: "manual", decompress: false } as RequestInit);
    },
  });
});
afterAll(() => {
  tlsFront?.stop(true);
  return hub.stop();
});

describe.skipIf(!hasOpenssl)(mustRunOnCI("an HTTPS endpoint signed by a private CA"), () => {
  const config = "cache_dir: cache\nmodels:\n  - id: m\n    repo_id: acme/secure\n";

  test("fails with the certificate problem and the fix", async () => {
    const cwd = project(config);
    const run = await runAgainst(hub, [], { cwd, env: { HF_ENDPOINT: `https://localhost:${tlsFront?.port}`, MODEL_MANAGER_MAX_ATTEMPTS: "1" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("TLS certificate is not trusted");
    expect(run.stderr).toContain("NODE_EXTRA_CA_CERTS=/path/to/ca.pem");
  });

  test("works with NODE_EXTRA_CA_CERTS naming the CA", async () => {
    const cwd = project(config);
    const run = await runAgainst(hub, ["-q"], { cwd, env: { HF_ENDPOINT: `https://localhost:${tlsFront?.port}`, NODE_EXTRA_CA_CERTS: certificates.caPath } });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(join(cwd, "cache", "m", "config.json"), "utf8"))).toEqual({ tls: true });
  });
});
