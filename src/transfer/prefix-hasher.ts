import { readSync } from "node:fs";
import type { ContentDigests, ContentHasher } from "../verify/hasher.ts";
import { RangeSet } from "./range-set.ts";

const READ_BACK_BUFFER = 4 * 1024 * 1024;

/**
 * Hashes a file that is written out of order by several connections, in one
 * pass: bytes that arrive at the hash frontier are hashed straight from
 * memory; bytes written further on are read back from the (page-cached)
 * partial file once the frontier reaches them. Memory stays bounded.
 */
export class PrefixHasher {
  private frontier = 0;
  private readonly ahead = new RangeSet();
  private buffer: Buffer | undefined;

  constructor(
    private readonly fd: number,
    private readonly hasher: ContentHasher,
    private readonly size: number,
  ) {}

  /** Record bytes already on disk (a resumed partial file). */
  alreadyOnDisk(start: number, end: number): void {
    this.ahead.add(start, end);
    this.catchUp();
  }

  written(offset: number, bytes: Uint8Array): void {
    if (offset === this.frontier) {
      this.hasher.update(bytes);
      this.frontier += bytes.byteLength;
      this.catchUp();
    } else if (offset > this.frontier) {
      this.ahead.add(offset, offset + bytes.byteLength);
    }
  }

  get hashedBytes(): number {
    return this.frontier;
  }

  /** Hashes whatever is left on disk and returns the digests; the whole file must be written. */
  finish(): ContentDigests {
    this.catchUp();
    if (this.frontier !== this.size) {
      throw new Error(`internal: hashed ${this.frontier} of ${this.size} bytes`);
    }
    return this.hasher.digest();
  }

  private catchUp(): void {
    for (let range = this.ahead.takeCovering(this.frontier); range; range = this.ahead.takeCovering(this.frontier)) {
      this.readBack(this.frontier, range[1]);
    }
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
    this.frontier = end;
  }
}
