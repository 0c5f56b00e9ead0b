import { readSync } from "node:fs";
import type { ContentDigests, ContentHasher } from "../verify/hasher.ts";
import { ContiguousPrefix } from "./range-set.ts";

const READ_BACK_BUFFER = 4 * 1024 * 1024;

/**
 * Hashes a file that is written out of order by several connections, in one
 * pass: bytes that arrive at the hash frontier are hashed straight from
 * memory; bytes written further on are read back from the (page-cached)
 * partial file once the frontier reaches them. Memory stays bounded.
 */
export class PrefixHasher {
  private readonly prefix = new ContiguousPrefix();
  private buffer: Buffer | undefined;

  constructor(
    private readonly fd: number,
    private readonly hasher: ContentHasher,
    private readonly size: number,
  ) {}

  /** Record bytes already on disk (a resumed partial file). */
  alreadyOnDisk(start: number, end: number): void {
    for (const [from, to] of this.prefix.add(start, end)) this.readBack(from, to);
  }

  written(offset: number, bytes: Uint8Array): void {
    if (offset < this.prefix.length) return;
    for (const [from, to] of this.prefix.add(offset, offset + bytes.byteLength)) {
      if (from === offset) this.hasher.update(bytes);
      else this.readBack(from, to);
    }
  }

  get hashedBytes(): number {
    return this.prefix.length;
  }

  /** The digests; the whole file must be written. */
  finish(): ContentDigests {
    if (this.prefix.length !== this.size) {
      throw new Error(`internal: hashed ${this.prefix.length} of ${this.size} bytes`);
    }
    return this.hasher.digest();
  }

  private readBack(start: number, end: number): void {
    this.buffer ??= Buffer.allocUnsafe(READ_BACK_BUFFER);
    let position = start;
    while (position < end) {
      const length = Math.min(this.buffer.byteLength, end - position);
      const read = readSync(this.fd, this.buffer, 0, length, position);
      if (read <= 0) throw new Error(`internal: partial file ended at ${position} while hashing up to ${end}`);
      this.hasher.update(this.buffer.subarray(0, read));
      position += read;
    }
  }
}
