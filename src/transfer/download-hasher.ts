import { messageOf } from "../errors.ts";
import { ContentHasher, type ContentDigests, type HashKinds } from "../verify/hasher.ts";
import type { FollowHashPool, FollowJob } from "./follow-pool.ts";
import { PrefixHasher } from "./prefix-hasher.ts";
import { ContiguousPrefix } from "./range-set.ts";

/** Smaller files are hashed on the main thread: for them a worker's messages cost more than the hashing. */
export const FOLLOW_MIN_BYTES = 1024 * 1024;
/** How far the contiguous prefix must grow before the worker is told (one message per step). */
const FOLLOW_STEP_BYTES = 1024 * 1024;

/** Hashes a file while parallel writers fill it in any order. */
export interface DownloadHasher {
  /** Bytes an earlier run left on disk. */
  alreadyOnDisk(start: number, end: number): void;
  /** Bytes just written at `offset`. */
  written(offset: number, bytes: Uint8Array): void;
  /** Every byte is written: the digests. */
  finish(): Promise<ContentDigests>;
  /** The transfer stops without a result. */
  cancel(): void;
}

export type DownloadHasherOptions = {
  /** The partial file, open for reading. */
  readonly fd: number;
  readonly path: string;
  readonly size: number;
  readonly kinds: HashKinds;
  readonly pool?: FollowHashPool;
  /** Told when a file that should be hashed on a worker is hashed on the main thread instead (no worker started, or it failed). */
  readonly onFallback?: (reason: string) => void;
};

export function createDownloadHasher(options: DownloadHasherOptions): DownloadHasher {
  if (options.pool && options.size >= FOLLOW_MIN_BYTES) {
    const job = options.pool.follow(options.path, options.size, options.kinds);
    if (job) return new FollowingHasher(job, options);
    options.onFallback?.("no hash worker could start");
  }
  return new InlineHasher(mainThreadPrefixHasher(options));
}

function mainThreadPrefixHasher(options: DownloadHasherOptions): PrefixHasher {
  return new PrefixHasher(options.fd, new ContentHasher(options.kinds, options.size), options.size);
}

/** On the main thread, in the order the bytes arrive (see PrefixHasher). */
class InlineHasher implements DownloadHasher {
  constructor(private readonly prefix: PrefixHasher) {}

  alreadyOnDisk(start: number, end: number): void {
    this.prefix.alreadyOnDisk(start, end);
  }

  written(offset: number, bytes: Uint8Array): void {
    this.prefix.written(offset, bytes);
  }

  async finish(): Promise<ContentDigests> {
    return this.prefix.finish();
  }

  cancel(): void {}
}

/** On a worker that reads the contiguous prefix back from the page cache as it grows. */
class FollowingHasher implements DownloadHasher {
  private readonly prefix = new ContiguousPrefix();
  private announced = 0;

  constructor(
    private readonly job: FollowJob,
    private readonly options: DownloadHasherOptions,
  ) {}

  alreadyOnDisk(start: number, end: number): void {
    this.add(start, end);
  }

  written(offset: number, bytes: Uint8Array): void {
    this.add(offset, offset + bytes.byteLength);
  }

  async finish(): Promise<ContentDigests> {
    const { size } = this.options;
    if (this.prefix.length !== size) throw new Error(`internal: ${this.prefix.length} of ${size} bytes written when hashing finished`);
    try {
      return await this.job.finish(size);
    } catch (error) {
      this.options.onFallback?.(messageOf(error));
      const prefix = mainThreadPrefixHasher(this.options);
      prefix.alreadyOnDisk(0, size);
      return prefix.finish();
    }
  }

  cancel(): void {
    this.job.cancel();
  }

  private add(start: number, end: number): void {
    this.prefix.add(start, end);
    if (this.prefix.length - this.announced >= FOLLOW_STEP_BYTES) {
      this.announced = this.prefix.length;
      this.job.upTo(this.announced);
    }
  }
}
