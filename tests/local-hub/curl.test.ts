/** Command-line HTTP clients against the hub: curl (redirects, ranges, resume, auth stripping) and aria2c. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "./content.ts";
import { generated, TEST_TOKENS } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";

const REPO = "acme/cli-model";
const GATED = "acme/cli-gated";
let hub: LocalHub;
let scratch: string;

beforeAll(async () => {
  hub = await LocalHub.start({
    repos: [
      { id: REPO, files: { "model.safetensors": generated(3_000_000), "config.json": '{"hidden_size": 8}\n' } },
      { id: GATED, gated: "auto", approvedTokens: [TEST_TOKENS.approved], files: { "model.safetensors": generated(100_000) } },
    ],
  });
  scratch = mkdtempSync(join(tmpdir(), "hub-curl-"));
});

afterAll(async () => {
  await hub.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function run(command: string[]): Promise<{ exitCode: number; stdout: Uint8Array; stderr: string }> {
  const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).bytes(), new Response(child.stderr).text(), child.exited]);
  return { exitCode, stdout, stderr };
}

const curl = (...args: string[]) => run(["curl", "-sS", ...args]);
const resolveUrl = (repo: string, path: string) => `${hub.url}/${repo}/resolve/main/${path}`;

describe("curl", () => {
  test("-L follows the 302 to the CDN host (and the 307 to resolve-cache) and gets the right bytes", async () => {
    for (const path of ["model.safetensors", "config.json"]) {
      const result = await curl("-L", resolveUrl(REPO, path));
      expect(result.exitCode).toBe(0);
      expect(sha256Hex(result.stdout)).toBe(hub.file(REPO, path)!.sha256);
    }
    expect(hub.requests.filter((record) => record.listener === "cdn").map((record) => record.status)).toEqual([200]);
  });

  test("-I shows the redirect's headers; -IL ends on the CDN's 200 with the real length", async () => {
    const head = new TextDecoder().decode((await curl("-I", resolveUrl(REPO, "model.safetensors"))).stdout);
    expect(head).toStartWith("HTTP/1.1 302 Found\r\n");
    expect(head).toContain(`X-Linked-Size: 3000000\r\n`);
    expect(head).toContain(`X-Linked-Etag: "${hub.file(REPO, "model.safetensors")!.sha256}"\r\n`);
    expect(head).toContain(`Location: ${hub.cdnUrl}/repos/`);
    const followed = new TextDecoder().decode((await curl("-IL", resolveUrl(REPO, "model.safetensors"))).stdout);
    const finalHead = followed.slice(followed.lastIndexOf("HTTP/1.1"));
    expect(finalHead).toStartWith("HTTP/1.1 200 OK\r\n");
    expect(finalHead).toContain("Content-Length: 3000000\r\n");
  });

  test("ranges: -r a-b, and -C - resumes a partial file", async () => {
    const bytes = hub.file(REPO, "model.safetensors")!.bytes;
    const slice = await curl("-L", "-r", "1000-1999", resolveUrl(REPO, "model.safetensors"));
    expect(Buffer.from(slice.stdout).equals(bytes.subarray(1000, 2000))).toBe(true);
    const partial = join(scratch, "resumed.safetensors");
    writeFileSync(partial, bytes.subarray(0, 1_234_567));
    hub.resetLog();
    const resumed = await curl("-L", "-C", "-", "-o", partial, resolveUrl(REPO, "model.safetensors"));
    expect(resumed.exitCode).toBe(0);
    expect(sha256Hex(readFileSync(partial))).toBe(hub.file(REPO, "model.safetensors")!.sha256);
    expect(hub.requests.find((record) => record.listener === "cdn")).toMatchObject({ range: "bytes=1234567-", status: 206, bodyBytes: 3_000_000 - 1_234_567 });
  });

  test("--compressed gets identity bytes: the hub never gzips", async () => {
    const result = await curl("-L", "--compressed", "-D", "-", "-o", "/dev/null", resolveUrl(REPO, "config.json"));
    expect(new TextDecoder().decode(result.stdout).toLowerCase()).not.toContain("content-encoding");
  });

  test("a token sent with -H reaches the hub but not the CDN host", async () => {
    hub.resetLog();
    const anonymous = await curl("-L", "-f", "-o", "/dev/null", resolveUrl(GATED, "model.safetensors"));
    expect(anonymous.exitCode).toBe(22);
    const result = await curl("-L", "-H", `Authorization: Bearer ${TEST_TOKENS.approved}`, resolveUrl(GATED, "model.safetensors"));
    expect(sha256Hex(result.stdout)).toBe(hub.file(GATED, "model.safetensors")!.sha256);
    expect(hub.requests.map((record) => `${record.listener}:${record.status}:${record.authorization}`)).toEqual([
      "hub:401:none",
      "hub:302:valid",
      "cdn:200:none",
    ]);
    expect(hub.tokenSeenAtCdn).toBe(false);
  });
});

describe("aria2c", () => {
  test.skipIf(!Bun.which("aria2c"))(mustRunOnCI("a segmented download (-x4 -s4) gets the right bytes"), async () => {
    hub.resetLog();
    const result = await run(["aria2c", "-q", "-x4", "-s4", "-k1M", "--allow-overwrite=true", "-d", scratch, "-o", "aria.safetensors", resolveUrl(REPO, "model.safetensors")]);
    expect(result.exitCode).toBe(0);
    expect(sha256Hex(readFileSync(join(scratch, "aria.safetensors")))).toBe(hub.file(REPO, "model.safetensors")!.sha256);
    // How many segments aria2c opens depends on timing; every CDN answer must be a full or partial body.
    const cdn = hub.requests.filter((record) => record.listener === "cdn");
    expect(cdn.length).toBeGreaterThan(0);
    for (const record of cdn) expect([200, 206]).toContain(record.status);
  });
});
