/** File downloads with plain fetch: resolve redirects, resolve-cache, the CDN, ranges (fact sheet §3). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sha256Hex } from "./content.ts";
import { TEST_TOKENS } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import { DATASET, EDGE, GATED, testRepos, TINY } from "./test-fixtures.ts";

let hub: LocalHub;

beforeAll(async () => {
  hub = await LocalHub.start({ repos: testRepos() });
});

afterAll(async () => {
  await hub.stop();
});

function get(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url.startsWith("http") ? url : `${hub.url}${url}`, { redirect: "manual", ...init });
}

/** The signed CDN URL /resolve/ redirects an LFS file to. */
async function cdnLocation(repo: string, path: string, init: RequestInit = {}): Promise<string> {
  const response = await get(`/${repo}/resolve/main/${path}`, { method: "HEAD", ...init });
  expect(response.status).toBe(302);
  return response.headers.get("location")!;
}

describe("regular files", () => {
  test("resolve answers a relative 307 to resolve-cache with the metadata headers", async () => {
    const file = hub.file(TINY, "config.json")!;
    const response = await get(`/${TINY}/resolve/main/config.json`, { method: "HEAD" });
    expect(response.status).toBe(307);
    const location = response.headers.get("location")!;
    expect(location).toStartWith(`/api/resolve-cache/models/${TINY}/${file.commit}/config.json?`);
    expect(response.headers.get("x-repo-commit")).toBe(file.commit);
    expect(response.headers.get("x-linked-etag")).toBe(`"${file.oid}"`);
    expect(response.headers.get("etag")).toBe(`"${file.oid}"`);
    expect(response.headers.get("x-linked-size")).toBe(String(file.size));
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    expect(response.headers.get("content-disposition")).toBe(`inline; filename*=UTF-8''config.json; filename="config.json";`);
    expect(response.headers.get("ratelimit")).toMatch(/^"resolvers";r=\d+;t=\d+$/);
    expect(response.headers.get("ratelimit-policy")).toBe(`"fixed window";"resolvers";q=3000;w=300`);
    expect(response.headers.get("x-hf-warning")).toStartWith("unauthenticated;");
    expect(Number(response.headers.get("content-length"))).toBe(`Temporary Redirect. Redirecting to ${location}`.length);
  });

  test("resolve-cache serves the bytes with or without its query", async () => {
    const file = hub.file(TINY, "config.json")!;
    const location = (await get(`/${TINY}/resolve/main/config.json`)).headers.get("location")!;
    for (const url of [location, location.split("?")[0]!]) {
      const response = await get(url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-length")).toBe(String(file.size));
      expect(response.headers.get("etag")).toBe(`"${file.oid}"`);
      expect(response.headers.get("x-repo-commit")).toBe(file.commit);
      expect(sha256Hex(new Uint8Array(await response.arrayBuffer()))).toBe(file.sha256);
    }
  });

  test("fetch following redirects gets the file; nested, unicode and spaced paths work", async () => {
    for (const [repo, path] of [
      [TINY, "sub/dir/notes.txt"],
      [EDGE, "name with space#1.txt"],
      [EDGE, "données/é.txt"],
    ] as const) {
      const encoded = path.split("/").map(encodeURIComponent).join("/");
      const response = await fetch(`${hub.url}/${repo}/resolve/main/${encoded}`);
      expect(response.status).toBe(200);
      expect(sha256Hex(new Uint8Array(await response.arrayBuffer()))).toBe(hub.file(repo, path)!.sha256);
    }
  });

  test("a zero-byte file has Content-Length 0; a range on it is unsatisfiable", async () => {
    const response = await fetch(`${hub.url}/${EDGE}/resolve/main/empty.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("0");
    expect(await response.text()).toBe("");
    const ranged = await fetch(`${hub.url}/${EDGE}/resolve/main/empty.txt`, { headers: { Range: "bytes=0-" } });
    expect(ranged.status).toBe(416);
    expect(ranged.headers.get("content-range")).toBe("bytes */0");
  });

  test("with regularFileRedirect off, /resolve/ answers 200 itself", async () => {
    hub.configure({ regularFileRedirect: false });
    try {
      const response = await get(`/${TINY}/resolve/main/config.json`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(new TextDecoder().decode(hub.file(TINY, "config.json")!.bytes));
    } finally {
      hub.configure({ regularFileRedirect: true });
    }
  });

  test("/raw/ serves what git stores: the pointer for LFS files", async () => {
    const file = hub.file(TINY, "model.safetensors")!;
    const pointer = await (await get(`/${TINY}/raw/main/model.safetensors`)).text();
    expect(pointer).toBe(`version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize 300000\n`);
    expect(pointer.length).toBe(131);
  });
});

describe("LFS files and the CDN", () => {
  test("resolve answers an absolute 302 to the CDN host with X-Linked-* and no Xet signals", async () => {
    const file = hub.file(TINY, "model.safetensors")!;
    const response = await get(`/${TINY}/resolve/main/model.safetensors`, { method: "HEAD" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.origin).toBe(hub.cdnUrl);
    expect(location.hostname).not.toBe(new URL(hub.url).hostname);
    expect(location.searchParams.get("Expires")).toMatch(/^\d+$/);
    expect(location.searchParams.get("Signature")).toBeTruthy();
    expect(response.headers.get("x-linked-size")).toBe("300000");
    expect(response.headers.get("x-linked-etag")).toBe(`"${file.sha256}"`);
    expect(response.headers.get("x-repo-commit")).toBe(file.commit);
    for (const name of ["x-xet-hash", "link", "x-xet-refresh-route"]) expect(response.headers.get(name)).toBeNull();
  });

  test("the CDN serves the bytes with Content-Length and ETag; fetch's redirect gets them too", async () => {
    const file = hub.file(TINY, "model.safetensors")!;
    const response = await get(await cdnLocation(TINY, "model.safetensors"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBe("300000");
    expect(response.headers.get("etag")).toBe(`"${file.sha256}"`);
    expect(response.headers.get("accept-ranges")).toBe("bytes");
    expect(response.headers.get("content-disposition")).toContain('filename="model.safetensors"');
    expect(sha256Hex(new Uint8Array(await response.arrayBuffer()))).toBe(file.sha256);
    const followed = await fetch(`${hub.url}/datasets/${DATASET}/resolve/main/data/train.parquet`);
    expect(followed.url).toStartWith(hub.cdnUrl);
    expect(sha256Hex(new Uint8Array(await followed.arrayBuffer()))).toBe(hub.file(DATASET, "data/train.parquet", { type: "dataset" })!.sha256);
  });

  test("never gzip, even when asked", async () => {
    const response = await get(await cdnLocation(TINY, "model.safetensors"), { headers: { "Accept-Encoding": "gzip, br" } });
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("content-length")).toBe("300000");
    const text = await get(`/api/resolve-cache/models/${TINY}/${hub.repo(TINY)!.head.sha}/config.json`, { headers: { "Accept-Encoding": "gzip" } });
    expect(text.headers.get("content-encoding")).toBeNull();
  });

  test("a tampered or expired signature is 403; the TTL is configurable", async () => {
    const location = new URL(await cdnLocation(TINY, "model.safetensors"));
    const signature = location.searchParams.get("Signature")!;
    location.searchParams.set("Signature", `${signature.startsWith("x") ? "y" : "x"}${signature.slice(1)}`);
    expect((await get(location.href)).status).toBe(403);
    const fresh = await cdnLocation(TINY, "model.safetensors");
    hub.advanceCdnClock(3601);
    try {
      const expired = await get(fresh);
      expect(expired.status).toBe(403);
      expect(await expired.text()).toContain("AccessDenied");
      expect((await get(await cdnLocation(TINY, "model.safetensors"))).status).toBe(200);
    } finally {
      hub.advanceCdnClock(-3601);
    }
    hub.configure({ cdnUrlTtlSeconds: 60 });
    try {
      const expires = Number(new URL(await cdnLocation(TINY, "model.safetensors")).searchParams.get("Expires"));
      expect(expires - Date.now() / 1000).toBeLessThanOrEqual(61);
    } finally {
      hub.configure({ cdnUrlTtlSeconds: 3600 });
    }
  });

  test("the token never needs to reach the CDN; the log says when it does", async () => {
    hub.resetLog();
    const auth = { headers: { Authorization: `Bearer ${TEST_TOKENS.approved}` } };
    const location = await cdnLocation(GATED, "model.safetensors", auth);
    expect((await get(location)).status).toBe(200);
    expect(hub.tokenSeenAtCdn).toBe(false);
    await get(location, auth);
    expect(hub.tokenSeenAtCdn).toBe(true);
    expect(hub.requests.map((record) => `${record.listener}:${record.route}:${record.authorization}`)).toEqual([
      "hub:resolve:valid",
      "cdn:cdn:none",
      "cdn:cdn:valid",
    ]);
    expect(hub.requests[1]).toMatchObject({ repo: GATED, path: "model.safetensors", status: 200, bodyBytes: 50_000, outcome: "complete" });
  });
});

describe("ranges (fact sheet §3.5)", () => {
  const cases: Array<[string, number, string, number, number]> = [
    ["bytes=0-0", 206, "bytes 0-0/300000", 0, 1],
    ["bytes=100-199", 206, "bytes 100-199/300000", 100, 200],
    ["bytes=299990-", 206, "bytes 299990-299999/300000", 299990, 300000],
    ["bytes=-10", 206, "bytes 299990-299999/300000", 299990, 300000],
    ["bytes=299000-300000", 206, "bytes 299000-299999/300000", 299000, 300000],
    ["bytes=0-1,5-6", 200, "", 0, 300000],
  ];

  test.each(cases)("%s → %d %s", async (range, status, contentRange, start, end) => {
    const file = hub.file(TINY, "model.safetensors")!;
    const response = await get(await cdnLocation(TINY, "model.safetensors"), { headers: { Range: range } });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-range") ?? "").toBe(contentRange);
    expect(response.headers.get("content-length")).toBe(String(end - start));
    expect(Buffer.from(await response.arrayBuffer()).equals(file.bytes.subarray(start, end))).toBe(true);
  });

  test("past the end is 416 with bytes */N, on the CDN and on resolve-cache", async () => {
    const cdn = await get(await cdnLocation(TINY, "model.safetensors"), { headers: { Range: "bytes=300000-" } });
    expect(cdn.status).toBe(416);
    expect(cdn.headers.get("content-range")).toBe("bytes */300000");
    const size = hub.file(TINY, "config.json")!.size;
    const regular = await fetch(`${hub.url}/${TINY}/resolve/main/config.json`, { headers: { Range: `bytes=${size}-` } });
    expect(regular.status).toBe(416);
    expect(regular.headers.get("content-range")).toBe(`bytes */${size}`);
  });

  test("HEAD gives headers only, with the length the GET would have", async () => {
    const location = await cdnLocation(TINY, "model.safetensors");
    const full = await get(location, { method: "HEAD" });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-length")).toBe("300000");
    expect(await full.text()).toBe("");
    const partial = await get(location, { method: "HEAD", headers: { Range: "bytes=10-19" } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-length")).toBe("10");
  });
});

describe("errors on file routes", () => {
  test("a missing file is 404 EntryNotFound with X-Repo-Commit; a bad revision RevisionNotFound", async () => {
    const missing = await get(`/${TINY}/resolve/main/nope.bin`, { method: "HEAD" });
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-error-code")).toBe("EntryNotFound");
    expect(missing.headers.get("x-error-message")).toBe("Entry not found");
    expect(missing.headers.get("x-repo-commit")).toBe(hub.repo(TINY)!.head.sha);
    const badRevision = await get(`/${TINY}/resolve/nope/config.json`);
    expect(badRevision.status).toBe(404);
    expect(badRevision.headers.get("x-error-code")).toBe("RevisionNotFound");
  });

  test("an unencoded refs/pr/N revision and a short commit work on resolve", async () => {
    const repo = hub.repo(TINY)!;
    const pr = await get(`/${TINY}/resolve/refs/pr/1/pr-only.txt`);
    expect(pr.status).toBe(307);
    expect(pr.headers.get("x-repo-commit")).toBe(repo.pullRequests.get(1)!);
    const short = await get(`/${TINY}/resolve/${repo.tags.get("v1")!.slice(0, 8)}/config.json`);
    expect(short.headers.get("x-repo-commit")).toBe(repo.tags.get("v1")!);
  });

  test("a renamed repo's resolve URL answers a relative 307 to the new id", async () => {
    const response = await get("/oldorg/tiny-model/resolve/main/config.json");
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`/${TINY}/resolve/main/config.json`);
    const followed = await fetch(`${hub.url}/tiny-model-legacy/resolve/main/config.json`);
    expect(await followed.text()).toBe(new TextDecoder().decode(hub.file(TINY, "config.json")!.bytes));
  });

  test("unknown routes and methods", async () => {
    expect((await get("/nothing/here")).status).toBe(404);
    expect((await get(`/${TINY}/resolve/main/config.json`, { method: "POST" })).status).toBe(405);
    expect((await get(`${hub.cdnUrl}/repos/00/00/x/y`)).status).toBe(404);
  });
});
