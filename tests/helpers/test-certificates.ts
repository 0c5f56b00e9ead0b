import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./binary.ts";

export type TestCertificates = { readonly caPath: string; readonly cert: string; readonly key: string };

/** Whether the tests that need certificates can make them. */
export const hasOpenssl = Bun.which("openssl") !== null;

/** A throwaway CA and a server certificate for `names` (DNS names or IP addresses) signed by it. */
export function makeCertificates(names: readonly string[]): TestCertificates {
  const dir = tempDir("mm-tls");
  const run = (...args: string[]) => {
    const result = Bun.spawnSync(["openssl", ...args], { cwd: dir, stderr: "pipe" });
    if (!result.success) throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`);
  };
  run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=model-manager test CA", "-keyout", "ca.key", "-out", "ca.crt");
  run("req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${names[0]}`, "-keyout", "server.key", "-out", "server.csr");
  const alternatives = names.map((name) => (/^[\d.]+$/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(",");
  writeFileSync(join(dir, "san.ext"), `subjectAltName=${alternatives}\n`);
  run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt");
  return { caPath: join(dir, "ca.crt"), cert: readFileSync(join(dir, "server.crt"), "utf8"), key: readFileSync(join(dir, "server.key"), "utf8") };
}
