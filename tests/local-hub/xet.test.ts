/**
 * The local hub's Xet storage: read token, v1/v2 reconstructions (Range, 416), signed xorb URLs with
 * single and multi-range answers, the three chunk schemes; and its fidelity with both official
 * clients, huggingface_hub 1.33 + hf_xet 1.6 and @huggingface/hub, each downloading byte-exact through Xet.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { downloadFile } from "@huggingface/hub";
import { decodeXorbChunks } from "../../src/transfer/xet/xorb-chunks.ts";
import { tempDir } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { pythonSkipReason, runPython } from "../helpers/python-venv.ts";
import { sha256Hex } from "./content.ts";
import { generated, json, syntheticXet, TEST_TOKENS } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import { weightsLike } from "../helpers/weights-like.ts";

const REPO = "acme/xet-model";
const skip = pythonSkipReason();
if (skip) console.warn(`skipping the huggingface_hub Xet fidelity tests: ${skip}`);
const PLAIN = "acme/plain-model";

const WEIGHTS = weightsLike(3 * 1024 * 1024 + 4321, 7);
const SMALL = weightsLike(20_000, 3);
let hub: LocalHub;

beforeAll(async () => {
  hub = await LocalHub.start({
    repos: [
      {
        id: REPO,
        xet: true,
        files: {
          "config.json": json({ model_type: "bert" }),
          "model.safetensors": WEIGHTS,
          "small.bin": SMALL,
          "random.bin": generated(1_500_000),
          // Hand-written LZ4 blocks (xet-synthetic.ts): the official clients' decoders must accept them.
          "synthetic.bin": syntheticXet(6 * 1024 * 1024 + 5, { xorbBytes: 2 * 1024 * 1024 }),
        },
      },
      { id: PLAIN, files: { "model.safetensors": generated(1 << 20) } },
    ],
  });
});

afterAll(async () => {
  await hub.stop();
});

const auth = { authorization: `Bearer ${TEST_TOKENS.user}` };

async function xetToken(): Promise<{ accessToken: string; exp: number; casUrl: string }> {
  const response = await fetch(`${hub.url}/api/models/${REPO}/xet-read-token/main`, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as { accessToken: string; exp: number; casUrl: string };
}

type V2 = {
  offset_into_first_range: number;
  terms: { hash: string; unpacked_length: number; range: { start: number; end: number } }[];
  xorbs: Record<string, { url: string; ranges: { chunks: { start: number; end: number }; bytes: { start: number; end: number } }[] }[]>;
};

/** A minimal reader of a v2 reconstruction, fetching each xorb entry's ranges in one request. */
async function reconstruct(info: V2): Promise<Uint8Array> {
  const decoded = new Map<string, Uint8Array[]>();
  for (const [xorb, entries] of Object.entries(info.xorbs)) {
    for (const entry of entries) {
      const response = await fetch(entry.url, { headers: { range: `bytes=${entry.ranges.map((r) => `${r.bytes.start}-${r.bytes.end}`).join(",")}` } });
      expect(response.status).toBe(206);
      const body = new Uint8Array(await response.arrayBuffer());
      const parts = entry.ranges.length === 1 ? [body] : splitMultipart(body, response.headers.get("content-type")!);
      entry.ranges.forEach((range, index) => decoded.set(`${xorb}:${range.chunks.start}-${range.chunks.end}`, decodeXorbChunks(parts[index]!, range.chunks.end - range.chunks.start)));
    }
  }
  const out: Uint8Array[] = [];
  for (const term of info.terms) {
    const chunks = decoded.get(`${term.hash}:${term.range.start}-${term.range.end}`)!;
    const bytes = Buffer.concat(chunks);
    expect(bytes.length).toBe(term.unpacked_length);
    out.push(bytes);
  }
  return Buffer.concat(out).subarray(info.offset_into_first_range);
}

function splitMultipart(body: Uint8Array, contentType: string): Uint8Array[] {
  expect(contentType).toStartWith("multipart/byteranges; boundary=");
  const boundary = contentType.split("boundary=")[1]!;
  const text = Buffer.from(body);
  const parts: Uint8Array[] = [];
  let at = text.indexOf(`--${boundary}\r\n`);
  while (at >= 0) {
    const headEnd = text.indexOf("\r\n\r\n", at);
    const range = /Content-Range: bytes (\d+)-(\d+)\//.exec(text.subarray(at, headEnd).toString())!;
    const length = Number(range[2]) - Number(range[1]) + 1;
    parts.push(text.subarray(headEnd + 4, headEnd + 4 + length));
    at = text.indexOf(`--${boundary}\r\n`, headEnd + 4 + length);
  }
  return parts;
}

describe("Xet discovery", () => {
  test("the tree lists xetHash for LFS files of Xet repos only", async () => {
    const tree = (await (await fetch(`${hub.url}/api/models/${REPO}/tree/main`)).json()) as { path: string; xetHash?: string }[];
    const byPath = Object.fromEntries(tree.map((entry) => [entry.path, entry.xetHash]));
    expect(byPath["config.json"]).toBeUndefined();
    expect(byPath["model.safetensors"]).toBe(hub.xetHash(REPO, "model.safetensors")!);
    expect(byPath["model.safetensors"]).toMatch(/^[0-9a-f]{64}$/);
    const plain = (await (await fetch(`${hub.url}/api/models/${PLAIN}/tree/main`)).json()) as { xetHash?: string }[];
    expect(plain.every((entry) => entry.xetHash === undefined)).toBe(true);
  });

  test("/resolve/ keeps the bridge redirect and adds X-Xet-Hash and the Link rels", async () => {
    const response = await fetch(`${hub.url}/${REPO}/resolve/main/model.safetensors`, { method: "HEAD", redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("x-xet-hash")).toBe(hub.xetHash(REPO, "model.safetensors")!);
    const commit = hub.repo(REPO)!.head.sha;
    expect(response.headers.get("link")).toBe(
      `<${hub.url}/api/models/${REPO}/xet-read-token/${commit}>; rel="xet-auth", <${hub.cdnUrl}/v1/reconstructions/${hub.xetHash(REPO, "model.safetensors")}>; rel="xet-reconstruction-info"`,
    );
  });

  test("the read token comes as JSON and as headers; the CAS refuses a missing or expired token", async () => {
    const response = await fetch(`${hub.url}/api/models/${REPO}/xet-read-token/main`, { headers: auth });
    const body = (await response.json()) as { accessToken: string; exp: number; casUrl: string };
    expect(body.casUrl).toBe(hub.cdnUrl);
    expect(response.headers.get("x-xet-access-token")).toBe(body.accessToken);
    expect(response.headers.get("x-xet-cas-url")).toBe(hub.cdnUrl);
    expect(Number(response.headers.get("x-xet-token-expiration"))).toBe(body.exp);
    const url = `${hub.cdnUrl}/v2/reconstructions/${hub.xetHash(REPO, "model.safetensors")}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${body.accessToken}` } })).status).toBe(200);
    hub.advanceCdnClock(3601);
    try {
      expect((await fetch(url, { headers: { authorization: `Bearer ${body.accessToken}` } })).status).toBe(401);
    } finally {
      hub.advanceCdnClock(-3601);
    }
    expect(hub.tokenSeenAtCdn).toBe(false);
  });
});

describe("reconstructions and xorbs", () => {
  test("v2: the whole file, terms over several xorbs, multi-range fetches, all three chunk schemes", async () => {
    const token = await xetToken();
    const response = await fetch(`${token.casUrl}/v2/reconstructions/${hub.xetHash(REPO, "model.safetensors")}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    const info = (await response.json()) as V2;
    expect(Object.keys(info.xorbs).length).toBeGreaterThan(1);
    expect(Object.values(info.xorbs).some((entries) => entries[0]!.ranges.length > 1)).toBe(true);
    expect(Buffer.from(await reconstruct(info)).equals(Buffer.from(WEIGHTS))).toBe(true);
  });

  test("v2 with a Range: offset_into_first_range; 416 from the end of the file on", async () => {
    const token = await xetToken();
    const url = `${token.casUrl}/v2/reconstructions/${hub.xetHash(REPO, "model.safetensors")}`;
    const headers = { authorization: `Bearer ${token.accessToken}` };
    const ranged = (await (await fetch(url, { headers: { ...headers, range: "bytes=1000000-1999999" } })).json()) as V2;
    expect(Buffer.from((await reconstruct(ranged)).subarray(0, 1_000_000)).equals(Buffer.from(WEIGHTS.subarray(1_000_000, 2_000_000)))).toBe(true);
    const past = await fetch(url, { headers: { ...headers, range: `bytes=${WEIGHTS.length}-${WEIGHTS.length + 268_435_455}` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${WEIGHTS.length}`);
  });

  test("v1: per-range signed URLs (fetch_info with url_range)", async () => {
    const token = await xetToken();
    const response = await fetch(`${token.casUrl}/v1/reconstructions/${hub.xetHash(REPO, "small.bin")}`, { headers: { authorization: `Bearer ${token.accessToken}` } });
    const info = (await response.json()) as { terms: V2["terms"]; fetch_info: Record<string, { range: { start: number; end: number }; url: string; url_range: { start: number; end: number } }[]> };
    const out: Uint8Array[] = [];
    for (const term of info.terms) {
      const fetchInfo = info.fetch_info[term.hash]!.find((entry) => entry.range.start === term.range.start)!;
      const body = new Uint8Array(await (await fetch(fetchInfo.url, { headers: { range: `bytes=${fetchInfo.url_range.start}-${fetchInfo.url_range.end}` } })).arrayBuffer());
      out.push(...decodeXorbChunks(body, term.range.end - term.range.start));
    }
    expect(Buffer.concat(out).equals(Buffer.from(SMALL))).toBe(true);
  });

  test("xorb URLs are signed and expire (403); a wrong unpacked_length can be injected", async () => {
    const token = await xetToken();
    const url = `${token.casUrl}/v2/reconstructions/${hub.xetHash(REPO, "small.bin")}`;
    const headers = { authorization: `Bearer ${token.accessToken}` };
    const info = (await (await fetch(url, { headers })).json()) as V2;
    const xorbUrl = Object.values(info.xorbs)[0]![0]!.url;
    expect((await fetch(xorbUrl.replace(/Signature=[^&]+/, "Signature=forged"))).status).toBe(403);
    hub.advanceCdnClock(3601);
    try {
      expect((await fetch(xorbUrl)).status).toBe(403);
    } finally {
      hub.advanceCdnClock(-3601);
    }
    hub.injectWrongUnpackedLength();
    const wrong = (await (await fetch(url, { headers })).json()) as V2;
    expect(wrong.terms[0]!.unpacked_length).toBe(info.terms[0]!.unpacked_length + 1);
  });
});

describe("fidelity with the official clients", () => {
  beforeAll(() => hub.resetLog());

  test("@huggingface/hub downloads through Xet, byte-exact, without bridge bytes", async () => {
    hub.resetLog();
    const blob = await downloadFile({ repo: REPO, path: "model.safetensors", hubUrl: hub.url, accessToken: TEST_TOKENS.user });
    const bytes = new Uint8Array(await blob!.arrayBuffer());
    expect(sha256Hex(bytes)).toBe(sha256Hex(WEIGHTS));
    const synthetic = await downloadFile({ repo: REPO, path: "synthetic.bin", hubUrl: hub.url, accessToken: TEST_TOKENS.user });
    expect(sha256Hex(new Uint8Array(await synthetic!.arrayBuffer()))).toBe(hub.file(REPO, "synthetic.bin")!.sha256);
    const routes = hub.requests.map((record) => record.route);
    expect(routes.filter((route) => route === "xet-reconstruction").length).toBeGreaterThanOrEqual(1);
    expect(routes.filter((route) => route === "xorb").length).toBeGreaterThanOrEqual(1);
    expect(routes.filter((route) => route === "cdn")).toEqual([]);
    expect(hub.tokenSeenAtCdn).toBe(false);
  });

  test.skipIf(skip !== undefined)(mustRunOnCI("huggingface_hub 1.33 + hf_xet 1.6 download through Xet, byte-exact, without bridge bytes"), async () => {
    hub.resetLog();
    const result = await pythonDownload();
    expect(result.stderr).not.toContain("Traceback");
    expect(result.value).toEqual({
      "model.safetensors": sha256Hex(WEIGHTS),
      "small.bin": sha256Hex(SMALL),
      "random.bin": hub.file(REPO, "random.bin")!.sha256,
      "synthetic.bin": hub.file(REPO, "synthetic.bin")!.sha256,
    });
    const routes = hub.requests.map((record) => record.route);
    expect(routes.filter((route) => route === "xet-token").length).toBeGreaterThanOrEqual(1);
    expect(routes.filter((route) => route === "xet-reconstruction").length).toBeGreaterThanOrEqual(3);
    expect(routes.filter((route) => route === "xorb").length).toBeGreaterThanOrEqual(3);
    expect(routes.filter((route) => route === "cdn")).toEqual([]);
    expect(hub.tokenSeenAtCdn).toBe(false);
  });

  test.skipIf(skip !== undefined)(mustRunOnCI("hf_xet falls back to /v1 reconstructions and survives a 503 and an expired xorb URL"), async () => {
    hub.resetLog();
    hub.configure({ xetReconstructionV2: false });
    hub.inject({ kind: "status", status: 503, host: "cdn", route: "xet-reconstruction" });
    hub.inject({ kind: "expired-url", host: "cdn", route: "xorb" });
    try {
      const result = await pythonDownload();
      expect(result.stderr).not.toContain("Traceback");
      expect((result.value as Record<string, string>)["model.safetensors"]).toBe(sha256Hex(WEIGHTS));
    } finally {
      hub.configure({ xetReconstructionV2: true });
      hub.clearFaults();
    }
    const reconstructions = hub.requests.filter((record) => record.route === "xet-reconstruction");
    expect(reconstructions.some((record) => record.target.startsWith("/v1/") && record.status === 200)).toBe(true);
    expect(reconstructions.some((record) => record.status === 503)).toBe(true);
    expect(hub.requests.some((record) => record.route === "xorb" && record.status === 403)).toBe(true);
    expect(hub.requests.filter((record) => record.route === "cdn")).toEqual([]);
  });
});

/** huggingface_hub (with hf_xet) downloads four files of the Xet repo into a fresh cache; prints their sha256. */
async function pythonDownload() {
  const script = `
import hashlib, json, os
import hf_xet
from huggingface_hub import hf_hub_download
out = {}
for name in ["model.safetensors", "small.bin", "random.bin", "synthetic.bin"]:
    path = hf_hub_download(os.environ["REPO"], name, cache_dir=os.environ["CACHE"])
    out[name] = hashlib.sha256(open(path, "rb").read()).hexdigest()
print(json.dumps(out))
`;
  return runPython(script, { HOME: tempDir("mm-xet-pyhome"), HF_ENDPOINT: hub.url, HF_TOKEN: TEST_TOKENS.user, REPO, CACHE: tempDir("mm-xet-pycache") });
}
