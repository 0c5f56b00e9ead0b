/** File content for the local hub: hashing and deterministic pseudo-random bytes, cached on disk for large sizes. */
import { createCipheriv, createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type BodyBytes, PiecewiseBytes } from "./http/body.ts";

export function sha256Hex(bytes: Uint8Array | string): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** `git hash-object` of a blob (fact sheet §10). */
export function gitBlobSha1(bytes: Uint8Array): string {
  return gitObjectSha1("blob", bytes);
}

export function gitObjectSha1(type: "blob" | "tree" | "commit", body: Uint8Array): string {
  return new Bun.CryptoHasher("sha1").update(`${type} ${body.byteLength}\0`).update(body).digest("hex");
}

/** The git-lfs pointer committed in place of an LFS file: 125 + digits(size) bytes (fact sheet §10). */
export function lfsPointer(sha256: string, size: number): Uint8Array {
  return new TextEncoder().encode(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`);
}

/** A tiny seeded PRNG (mulberry32), for layouts and word lists that differ per seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GENERATION_BLOCK = 8 << 20;

/**
 * AES-128-CTR keystream keyed by the seed: reproducible, never periodic (a resume at a wrong offset
 * changes the hash), and about 2 GiB/s with AES-NI.
 */
function keystream(seed: string) {
  const key = createHash("sha256").update(seed).digest().subarray(0, 16);
  const cipher = createCipheriv("aes-128-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(GENERATION_BLOCK);
  return (length: number): Uint8Array => cipher.update(zeros.subarray(0, length));
}

export function generateBytes(seed: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const next = keystream(seed);
  for (let offset = 0; offset < size; offset += GENERATION_BLOCK) {
    out.set(next(Math.min(GENERATION_BLOCK, size - offset)), offset);
  }
  return out;
}

export interface GeneratedFile {
  readonly path: string;
  /** The file mapped read-only into memory (in pieces past 4 GiB, more than one typed array holds). */
  readonly bytes: BodyBytes;
  readonly sha256: string;
}

/**
 * Returns the bytes `generateBytes(seed, size)` would give, stored in `dir` and mapped into memory.
 * The file and its sha256 are created once per (seed, size) and reused by later runs and processes.
 */
export function generatedFile(dir: string, seed: string, size: number): GeneratedFile {
  return cachedFile(dir, `${sha256Hex(seed).slice(0, 16)}-${size}`, size, function* () {
    const next = keystream(seed);
    for (let offset = 0; offset < size; offset += GENERATION_BLOCK) yield next(Math.min(GENERATION_BLOCK, size - offset));
  });
}

/**
 * The file `name` of `size` bytes in `dir`, written once from the blocks `produce` yields (with its
 * sha256 beside it) and reused by later runs and processes, mapped read-only into memory.
 */
export function cachedFile(dir: string, name: string, size: number, produce: () => Iterable<Uint8Array>): GeneratedFile {
  if (size === 0) throw new RangeError("a generated file on disk needs at least one byte");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.bin`);
  const hashPath = join(dir, `${name}.sha256`);
  if (!isCached(path, hashPath, size)) writeCached(path, hashPath, size, produce);
  return { path, bytes: mapFile(path, size), sha256: readFileSync(hashPath, "utf8").trim() };
}

/** A file mapped read-only, in pieces of `pieceSize` bytes (a multiple of the page size) when it is larger. */
export function mapFile(path: string, size: number, pieceSize = 1 << 30): BodyBytes {
  if (size <= pieceSize) return Bun.mmap(path, { shared: false });
  const pieces: Uint8Array[] = [];
  for (let offset = 0; offset < size; offset += pieceSize) pieces.push(Bun.mmap(path, { shared: false, offset, size: Math.min(pieceSize, size - offset) }));
  return new PiecewiseBytes(pieces, pieceSize, 0, size);
}

function isCached(path: string, hashPath: string, size: number): boolean {
  return existsSync(hashPath) && existsSync(path) && statSync(path).size === size;
}

function writeCached(path: string, hashPath: string, size: number, produce: () => Iterable<Uint8Array>): void {
  const unique = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const tmp = `${path}.${unique}.tmp`;
  const hasher = new Bun.CryptoHasher("sha256");
  const fd = openSync(tmp, "wx");
  let total = 0;
  try {
    for (const block of produce()) {
      hasher.update(block);
      for (let written = 0; written < block.byteLength; ) written += writeSync(fd, block, written);
      total += block.byteLength;
    }
    if (total !== size) throw new Error(`${path}: produced ${total} bytes, ${size} expected`);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  // Data before digest: a digest file on disk always describes a complete data file.
  renameSync(tmp, path);
  writeFileSync(`${hashPath}.${unique}.tmp`, `${hasher.digest("hex")}\n`);
  renameSync(`${hashPath}.${unique}.tmp`, hashPath);
}
