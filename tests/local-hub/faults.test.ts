/** Fault injection and throttling, seen from real clients (fetch and curl). */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { generated } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import type { RequestRecord } from "./request-log.ts";

const REPO = "acme/faulty";
const SIZE = 1_000_000;
let hub: LocalHub;

beforeAll(async () => {
  hub = await LocalHub.start({
    repos: [{ id: REPO, files: { "model.safetensors": generated(SIZE), "config.json": '{"a": 1}\n', "sub/weights.bin": generated(20_000) } }],
  });
});

afterEach(() => {
  hub.clearFaults();
  hub.setThrottle({});
  hub.resetLog();
});

afterAll(async () => {
  await hub.stop();
});

const modelUrl = () => `${hub.url}/${REPO}/resolve/main/model.safetensors`;

interface Received {
  readonly bytes: Uint8Array;
  readonly error?: { code?: string };
}

/** Reads a body to its end or its first error, keeping what arrived. */
async function receive(response: Response): Promise<Received> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of response.body!) chunks.push(chunk);
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error: error as { code?: string } };
  }
}

async function curl(...args: string[]): Promise<{ exitCode: number; stdout: Uint8Array; stderr: string }> {
  const process = Bun.spawn(["curl", "-sS", ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(process.stdout).bytes(), new Response(process.stderr).text(), process.exited]);
  return { exitCode, stdout, stderr };
}

/** Polls an observable condition (server-side state that changes asynchronously). */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not reached in time");
    await Bun.sleep(2);
  }
}

const cdnRecords = (): RequestRecord[] => hub.requests.filter((record) => record.listener === "cdn");

describe("connection faults", () => {
  test("drop: full Content-Length announced, connection reset after N bytes", async () => {
    hub.inject({ kind: "drop", afterBytes: 123_456, path: "model.safetensors", host: "cdn" });
    const response = await fetch(modelUrl());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe(String(SIZE));
    const received = await receive(response);
    expect(received.error?.code).toBe("ECONNRESET");
    expect(received.bytes.byteLength).toBe(123_456);
    expect(Buffer.from(received.bytes).equals(hub.file(REPO, "model.safetensors")!.bytes.subarray(0, 123_456))).toBe(true);
    await until(() => cdnRecords()[0]?.outcome !== undefined);
    expect(cdnRecords()[0]).toMatchObject({ bodyBytes: 123_456, outcome: "dropped", faults: ["drop"], contentLength: SIZE });
  });

  test("drop seen by curl: exit 56 after exactly N bytes", async () => {
    hub.inject({ kind: "drop", afterBytes: 50_000, path: "*.safetensors" });
    const result = await curl("-L", "-o", "-", modelUrl());
    expect(result.exitCode).toBe(56);
    expect(result.stderr).toContain("Connection reset by peer");
    expect(result.stdout.byteLength).toBe(50_000);
  });

  test("truncate: clean close after exactly N bytes; fetch errors, curl exits 18", async () => {
    hub.inject({ kind: "truncate", afterBytes: 200_000, path: "model.safetensors", times: 2 });
    const received = await receive(await fetch(modelUrl()));
    expect(received.error?.code).toBe("ECONNRESET");
    expect(received.bytes.byteLength).toBe(200_000);
    const result = await curl("-L", "-o", "-", modelUrl());
    expect(result.exitCode).toBe(18);
    expect(result.stdout.byteLength).toBe(200_000);
    expect((await receive(await fetch(modelUrl()))).bytes.byteLength).toBe(SIZE);
  });

  test("faults apply to regular files on the hub's resolve-cache too", async () => {
    hub.inject({ kind: "truncate", afterBytes: 3, path: "config.json", host: "hub" });
    const received = await receive(await fetch(`${hub.url}/${REPO}/resolve/main/config.json`));
    expect(new TextDecoder().decode(received.bytes)).toBe('{"a');
    expect(hub.requests.at(-1)).toMatchObject({ route: "resolve-cache", outcome: "truncated" });
  });

  test("stall: N bytes, then silence on an open connection until the client gives up", async () => {
    hub.inject({ kind: "stall", afterBytes: 4096, path: "model.safetensors" });
    const abort = new AbortController();
    const response = await fetch(modelUrl(), { signal: abort.signal });
    const reader = response.body!.getReader();
    let received = 0;
    while (received < 4096) received += (await reader.read()).value!.byteLength;
    expect(received).toBe(4096);
    const quiet = await Promise.race([reader.read().then(() => "data" as const), Bun.sleep(300).then(() => "silence" as const)]);
    expect(quiet).toBe("silence");
    expect(cdnRecords()[0]!.bodyBytes).toBe(4096);
    expect(cdnRecords()[0]!.outcome).toBeUndefined();
    abort.abort();
    await until(() => cdnRecords()[0]?.outcome !== undefined);
    expect(cdnRecords()[0]!.outcome).toBe("stalled");
  });

  test("stall with resumeAfterMs: the body completes after the pause", async () => {
    hub.inject({ kind: "stall", afterBytes: 1000, resumeAfterMs: 150, path: "model.safetensors" });
    const started = performance.now();
    const received = await receive(await fetch(modelUrl()));
    expect(received.bytes.byteLength).toBe(SIZE);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
  });
});

describe("content and status faults", () => {
  test("corrupt inverts bytes at file offsets, length unchanged, ranges included", async () => {
    const offsets = [0, 12_345, SIZE - 1];
    hub.inject({ kind: "corrupt", offsets, path: "model.safetensors", times: 2 });
    const original = hub.file(REPO, "model.safetensors")!.bytes;
    const { bytes } = await receive(await fetch(modelUrl()));
    expect(bytes.byteLength).toBe(SIZE);
    const differing = [...bytes.keys()].filter((index) => bytes[index] !== original[index]);
    expect(differing).toEqual(offsets);
    expect(bytes[12_345]).toBe(original[12_345]! ^ 0xff);
    const ranged = await receive(await fetch(modelUrl(), { headers: { Range: "bytes=12000-12999" } }));
    expect([...ranged.bytes.keys()].filter((index) => ranged.bytes[index] !== original[12_000 + index])).toEqual([345]);
  });

  test("status: 5xx with headers, once by default, then normal service", async () => {
    const injected = hub.inject({ kind: "status", status: 503, headers: { "Retry-After": "3" }, route: "resolve" });
    const failed = await fetch(modelUrl(), { redirect: "manual" });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("3");
    expect((await fetch(modelUrl(), { redirect: "manual" })).status).toBe(302);
    expect(injected).toMatchObject({ fired: 1, remaining: 0 });
  });

  test("rate-limit: 429 with Retry-After and RateLimit r=0;t=N", async () => {
    hub.inject({ kind: "rate-limit", retryAfterSeconds: 2, resetSeconds: 7, route: "resolve" });
    const response = await fetch(modelUrl(), { method: "HEAD", redirect: "manual" });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("ratelimit")).toBe('"resolvers";r=0;t=7');
    hub.inject({ kind: "rate-limit", resetSeconds: 4, route: "api-tree" });
    const api = await fetch(`${hub.url}/api/models/${REPO}/tree/main`);
    expect(api.status).toBe(429);
    expect(api.headers.get("ratelimit")).toBe('"api";r=0;t=4');
    expect(api.headers.get("retry-after")).toBeNull();
  });

  test("expired-url: the CDN answers 403 once; re-resolving works", async () => {
    hub.inject({ kind: "expired-url" });
    const first = await fetch(modelUrl());
    expect(first.status).toBe(403);
    expect(await first.text()).toContain("AccessDenied");
    expect((await fetch(modelUrl())).status).toBe(200);
  });

  test("scoping: host, path globs, times and 'always'", async () => {
    hub.inject({ kind: "status", status: 500, host: "cdn", path: "**/*.bin", times: "always" });
    const resolve = await fetch(`${hub.url}/${REPO}/resolve/main/sub/weights.bin`, { redirect: "manual" });
    expect(resolve.status).toBe(302);
    for (let attempt = 0; attempt < 3; attempt++) expect((await fetch(resolve.headers.get("location")!)).status).toBe(500);
    expect((await fetch(modelUrl())).status).toBe(200);
    expect(hub.faults[0]).toMatchObject({ fired: 3, remaining: "always" });
    expect(() => hub.inject({ kind: "drop", afterBytes: -1 })).toThrow(TypeError);
  });
});

describe("pacing", () => {
  // Only the lower bound on time is behaviour (a cap never lets bytes through faster); how close
  // to the cap a loaded machine gets is a matter for tests/bench.
  test("bandwidth cap: the body never arrives faster than the cap allows", async () => {
    const rate = 2_000_000;
    hub.inject({ kind: "bandwidth", bytesPerSecond: rate, path: "model.safetensors" });
    const response = await fetch(modelUrl());
    const started = performance.now();
    const { bytes } = await receive(response);
    const seconds = (performance.now() - started) / 1000;
    expect(bytes.byteLength).toBe(SIZE);
    // 0.85: the pacer lets a first burst out before its clock starts.
    expect(seconds).toBeGreaterThan((SIZE / rate) * 0.85);
  });

  test("latency delays the response head; global throttle applies to every request", async () => {
    hub.inject({ kind: "latency", ms: 120, route: "api-revision" });
    let started = performance.now();
    expect((await fetch(`${hub.url}/api/models/${REPO}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(120);
    hub.setThrottle({ latencyMs: 60, bytesPerSecond: 4_000_000 });
    started = performance.now();
    const { bytes } = await receive(await fetch(modelUrl()));
    const seconds = (performance.now() - started) / 1000;
    expect(bytes.byteLength).toBe(SIZE);
    // Two requests of 60 ms latency (hub 302, CDN) plus 1 MB at 4 MB/s (less the pacer's first burst).
    expect(seconds).toBeGreaterThan(0.12 + 0.25 * 0.85);
  });
});
