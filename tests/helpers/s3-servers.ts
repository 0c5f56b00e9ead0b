/**
 * Real S3 servers for mirror tests, started on free ports by the test itself:
 * moto (S3 behaviour: multipart, ranges, listing; checks no signature) and
 * s3rver (checks SigV4 signatures and expiry). Buckets are created through the server.
 */
import S3rver from "@20minutes/s3rver";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { tempDir } from "./binary.ts";

export type S3Server = {
  readonly endpoint: string;
  /** Environment for the binary: endpoint and credentials, as Bun's S3 client reads them. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
};

export const MOTO_CREDENTIALS = { S3_ACCESS_KEY_ID: "test-key", S3_SECRET_ACCESS_KEY: "test-secret" };

/** Why moto cannot run here, or undefined when `moto_server` is on the PATH. */
export function motoMissing(): string | undefined {
  return Bun.which("moto_server") ? undefined : "moto_server is not installed (pip install 'moto[server]'; .ci/run installs it)";
}

async function freePort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = probe;
  probe.stop(true);
  return port;
}

/** moto_server on a free port, with `buckets` created by a plain PUT. */
export async function startMoto(buckets: readonly string[]): Promise<S3Server> {
  const port = await freePort();
  const proc = Bun.spawn(["moto_server", "-H", "127.0.0.1", "-p", String(port)], { stdout: "ignore", stderr: "pipe" });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await fetch(`${endpoint}/moto-api/`).then((response) => response.status > 0, () => false);
    if (up) break;
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill();
      throw new Error(`moto_server did not start on port ${port}: ${await new Response(proc.stderr).text()}`);
    }
    await Bun.sleep(50);
  }
  for (const bucket of buckets) {
    const response = await fetch(`${endpoint}/${bucket}`, { method: "PUT" });
    if (!response.ok) throw new Error(`creating bucket ${bucket} on moto: HTTP ${response.status}`);
  }
  return {
    endpoint,
    env: { S3_ENDPOINT: endpoint, ...MOTO_CREDENTIALS },
    async stop() {
      proc.kill();
      await proc.exited;
    },
  };
}

/** s3rver (SigV4-checking) in this process, with its fixed credentials S3RVER/S3RVER. */
export async function startS3rver(buckets: readonly string[]): Promise<S3Server> {
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: tempDir("mm-s3rver"), configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: { S3_ENDPOINT: endpoint, S3_ACCESS_KEY_ID: "S3RVER", S3_SECRET_ACCESS_KEY: "S3RVER" },
    async stop() {
      await server.close();
    },
  };
}

/** A client for the test itself (to look into or damage a bucket). */
export function bucketClient(server: S3Server, bucket: string): Bun.S3Client {
  return new Bun.S3Client({ bucket, endpoint: server.endpoint, accessKeyId: server.env.S3_ACCESS_KEY_ID, secretAccessKey: server.env.S3_SECRET_ACCESS_KEY });
}

/** Copies every object under `prefix` of the bucket into a folder, for a static file server. */
export async function copyBucketTo(client: Bun.S3Client, prefix: string, folder: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.list({ prefix: `${prefix}/`, ...(token ? { continuationToken: token } : {}) });
    for (const object of page.contents ?? []) {
      const relative = object.key.slice(prefix.length + 1);
      const target = join(folder, ...relative.split("/"));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, new Uint8Array(await client.file(object.key).arrayBuffer()));
      keys.push(relative);
    }
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token);
  return keys;
}

export type StaticServerControl = {
  /** Per-response cap while set (a slow link), so a test can interrupt a transfer midway. */
  bytesPerSecond?: number;
  /** Every request: path and Range header. */
  readonly requests: { path: string; range: string | null }[];
  /** While set, requests for paths it matches get this HTTP status (a store that fails). */
  failing?: { readonly paths: RegExp; readonly status: number };
};

/** A plain static file server over `folder` (GET with Range, 404 for anything absent), on a free port. */
export function staticServer(folder: string, control: StaticServerControl = { requests: [] }) {
  return Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = decodeURIComponent(new URL(request.url).pathname);
      control.requests.push({ path, range: request.headers.get("range") });
      if (path.includes("..")) return new Response("bad path", { status: 400 });
      if (control.failing?.paths.test(path)) return new Response("failing", { status: control.failing.status });
      const file = Bun.file(join(folder, path));
      if (!(await file.exists())) return new Response("not found", { status: 404 });
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get("range") ?? "");
      const start = range ? Number(range[1]) : 0;
      const end = range ? Math.min(Number(range[2]), file.size - 1) : file.size - 1;
      const body = control.bytesPerSecond ? throttled(file.slice(start, end + 1), control.bytesPerSecond) : file.slice(start, end + 1);
      const headers = { "content-length": String(end + 1 - start), ...(range ? { "content-range": `bytes ${start}-${end}/${file.size}` } : {}) };
      return new Response(body, { status: range ? 206 : 200, headers });
    },
  });
}

/** The blob's bytes at about `bytesPerSecond`, in 64 KiB pieces. */
function throttled(blob: Blob, bytesPerSecond: number): ReadableStream<Uint8Array> {
  const piece = 64 * 1024;
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= blob.size) return controller.close();
      const bytes = new Uint8Array(await blob.slice(offset, offset + piece).arrayBuffer());
      offset += bytes.byteLength;
      await Bun.sleep((bytes.byteLength / bytesPerSecond) * 1000);
      controller.enqueue(bytes);
    },
  });
}
