/**
 * Synthetic Xet files (multi-GiB benchmarks without chunking or holding the file): the layout is
 * deterministic, realistic (xorbs up to their limit, gaps so xorbs are read as several ranges, the
 * three chunk schemes) and every chunk decodes, with lz4js as the reference decoder, to the plain
 * file the hub lists and serves through the bridge. Files over 4 GiB are mapped in pieces.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decompress } from "lz4js";
import { tempDir } from "../helpers/binary.ts";
import { mapFile, sha256Hex } from "./content.ts";
import { syntheticXet } from "./fixtures.ts";
import { bytesIn, PiecewiseBytes } from "./http/body.ts";
import { LocalHub } from "./local-hub.ts";
import { SyntheticXetFile } from "./xet-synthetic.ts";

const MiB = 1 << 20;
const scratch = tempDir("mm-xet-synthetic");
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Decodes serialized chunks with lz4js (not the client's decoder). */
function referenceDecode(xorb: Uint8Array): { plain: Uint8Array[]; schemes: Set<number> } {
  const plain: Uint8Array[] = [];
  const schemes = new Set<number>();
  for (let at = 0; at < xorb.length; ) {
    const compressed = xorb[at + 1]! | (xorb[at + 2]! << 8) | (xorb[at + 3]! << 16);
    const scheme = xorb[at + 4]!;
    const length = xorb[at + 5]! | (xorb[at + 6]! << 8) | (xorb[at + 7]! << 16);
    const payload = xorb.subarray(at + 8, at + 8 + compressed);
    schemes.add(scheme);
    let bytes: Uint8Array = payload;
    if (scheme !== 0) bytes = decompress(payload, length);
    if (scheme === 2) {
      const out = new Uint8Array(length);
      let from = 0;
      for (let group = 0; group < 4; group++) for (let i = group; i < length; i += 4) out[i] = bytes[from++]!;
      bytes = out;
    }
    expect(bytes.length).toBe(length);
    plain.push(bytes);
    at += 8 + compressed;
  }
  return { plain, schemes };
}

describe("synthetic Xet files", () => {
  test("terms rebuild the plain file; xorbs within their limit, read as several ranges, all three schemes; reproducible", () => {
    const file = new SyntheticXetFile("layout", 9 * MiB + 777, 1 * MiB);
    const plain = Buffer.concat([...file.plainBlocks()]);
    expect(plain.length).toBe(9 * MiB + 777);
    const decoded = new Map<string, Uint8Array[]>();
    const schemes = new Set<number>();
    for (const xorb of file.xorbs) {
      const size = xorb.chunkOffsets.at(-1)!;
      expect(size).toBeLessThanOrEqual(1 * MiB);
      const result = referenceDecode(xorb.bytes(0, size));
      decoded.set(xorb.hash, result.plain);
      for (const scheme of result.schemes) schemes.add(scheme);
      // A range starting and ending inside chunks is the same bytes as the slice of the whole xorb.
      expect(Buffer.from(xorb.bytes(100, 5000)).equals(Buffer.from(xorb.bytes(0, size).subarray(100, 5000)))).toBe(true);
    }
    expect([...schemes].sort()).toEqual([0, 1, 2]);
    const rebuilt = Buffer.concat(file.terms.flatMap((term) => decoded.get(term.xorb)!.slice(term.start, term.end)));
    expect(rebuilt.equals(plain)).toBe(true);
    file.terms.forEach((term) => expect(term.unpackedLength).toBe(decoded.get(term.xorb)!.slice(term.start, term.end).reduce((sum, chunk) => sum + chunk.length, 0)));
    const termsPerXorb = new Map<string, number>();
    for (const term of file.terms) termsPerXorb.set(term.xorb, (termsPerXorb.get(term.xorb) ?? 0) + 1);
    expect([...termsPerXorb.values()].some((count) => count > 1)).toBe(true);
    expect(sha256Hex(Buffer.concat([...new SyntheticXetFile("layout", 9 * MiB + 777, 1 * MiB).plainBlocks()]))).toBe(sha256Hex(plain));
    expect(sha256Hex(Buffer.concat([...new SyntheticXetFile("other", 9 * MiB + 777, 1 * MiB).plainBlocks()]))).not.toBe(sha256Hex(plain));
  });

  test("xorbs served from their stored copy are the bytes produced on demand", () => {
    const file = new SyntheticXetFile("stored", 3 * MiB, 1 * MiB);
    const produced = file.xorbs.map((xorb) => Buffer.from(xorb.bytes(0, xorb.chunkOffsets.at(-1)!)));
    const all = Buffer.concat([...file.xorbBlocks()]);
    expect(all.length).toBe(file.xorbsSize);
    const path = join(scratch, "xorbs.bin");
    writeFileSync(path, all);
    file.serveFrom(mapFile(path, all.length, 64 << 10));
    file.xorbs.forEach((xorb, index) => {
      expect(Buffer.from(xorb.bytes(0, xorb.chunkOffsets.at(-1)!)).equals(produced[index]!)).toBe(true);
      expect(Buffer.from(xorb.bytes(70_000, 140_000)).equals(produced[index]!.subarray(70_000, 140_000))).toBe(true);
    });
  });

  test("a file mapped in pieces: views within a piece, copies across pieces", () => {
    const bytes = Uint8Array.from({ length: 200_000 }, (_, index) => index % 251);
    const path = join(scratch, "pieces.bin");
    writeFileSync(path, bytes);
    const mapped = mapFile(path, bytes.length, 64 << 10);
    expect(mapped).toBeInstanceOf(PiecewiseBytes);
    expect(mapped.subarray(10, 20)).toBeInstanceOf(Uint8Array);
    for (const [start, end] of [[0, 200_000], [65_000, 140_000], [65_536, 131_072], [131_071, 131_073], [199_999, 200_000]] as const) {
      const part = mapped.subarray(start, end);
      expect(part.byteLength).toBe(end - start);
      expect(Buffer.from(bytesIn(part)).equals(Buffer.from(bytes.subarray(start, end)))).toBe(true);
      expect(Buffer.from(bytesIn(mapped, start, end)).equals(Buffer.from(bytes.subarray(start, end)))).toBe(true);
    }
  });

  test("through the hub: the tree's sha256 is the plain file's, served the same by the bridge and by Xet", async () => {
    await using hub = await LocalHub.start({
      dataDir: join(scratch, "data"),
      repos: [{ id: "acme/synthetic", xet: true, files: { "model.safetensors": syntheticXet(5 * MiB + 3, { xorbBytes: 1 * MiB }) } }],
    });
    const served = hub.file("acme/synthetic", "model.safetensors")!;
    const bridge = new Uint8Array(await (await fetch(`${hub.url}/acme/synthetic/resolve/main/model.safetensors`)).arrayBuffer());
    expect(sha256Hex(bridge)).toBe(served.sha256);
    const token = (await (await fetch(`${hub.url}/api/models/acme/synthetic/xet-read-token/main`)).json()) as { accessToken: string; casUrl: string };
    const info = (await (await fetch(`${token.casUrl}/v2/reconstructions/${hub.xetHash("acme/synthetic", "model.safetensors")}`, { headers: { authorization: `Bearer ${token.accessToken}` } })).json()) as {
      terms: { hash: string; unpacked_length: number }[];
      xorbs: Record<string, { url: string; ranges: { bytes: { start: number; end: number } }[] }[]>;
    };
    expect(info.terms.reduce((sum, term) => sum + term.unpacked_length, 0)).toBe(5 * MiB + 3);
    const [xorb, entries] = Object.entries(info.xorbs)[0]!;
    const { url, ranges } = entries[0]!;
    const response = await fetch(url, { headers: { range: `bytes=${ranges[0]!.bytes.start}-${ranges[0]!.bytes.end}` } });
    expect(response.status).toBe(206);
    expect(referenceDecode(new Uint8Array(await response.arrayBuffer())).plain.length).toBeGreaterThan(0);
    expect(xorb).toMatch(/^[0-9a-f]{64}$/);
  });
});
