import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { json, type LocalHub } from "../local-hub/index.ts";
import { tempDir } from "../helpers/binary.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";

/** A throwaway CA and a server certificate for localhost signed by it. */
function makeCertificates(): { caPath: string; cert: string; key: string } {
  const dir = tempDir("mm-tls");
  const run = (...args: string[]) => {
    const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
    if (!result.success) throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`);
  };
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=model-manager test CA", "-keyout", "ca.key", "-out", "ca.crt");
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt");
  return { caPath: join(dir, "ca.crt"), cert: readFileSync(join(dir, "server.crt"), "utf8"), key: readFileSync(join(dir, "server.key"), "utf8") };
}

const hasOpenssl = Bun.which("openssl") !== null;
if (!hasOpenssl) console.warn("SKIP TLS tests: openssl is not installed");

let hub: LocalHub;
let tlsFront: ReturnType<typeof Bun.serve> | undefined;
let certificates: ReturnType<typeof makeCertificates>;

beforeAll(async () => {
  hub = await startHub({ repos: [{ id: "acme/secure", files: { "config.json": json({ tls: true }) } }] });
  if (!hasOpenssl) return;
  certificates = makeCertificates();
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
