import { closeSync, fdatasync, fstatSync, fsync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { fsyncDirectory } from "../cache/atomic-write.ts";
import type { VerifyLevel } from "../config/types.ts";
import { BadChecksumError, DownloadError, ModelManagerError, SizeMismatchError, type VerificationFailure } from "../errors.ts";
import type { RemoteFile, RepoRef } from "../hub/api.ts";
import type { ByteRange } from "../hub/file-source.ts";
import type { HubHttp } from "../hub/http.ts";
import { cleanServerText } from "../hub/server-text.ts";
import type { RetryPolicy } from "../hub/retry.ts";
import { describeError, withRetries } from "../hub/retrying.ts";
import type { Logger } from "../output/logger.ts";
import type { ConnectionPool } from "./connection-pool.ts";
import { ConnectionSizer, RateProbe } from "./connection-sizer.ts";
import { createDownloadHasher, type DownloadHasher } from "./download-hasher.ts";
import type { FollowHashPool } from "./follow-pool.ts";
import type { GcPacer } from "./gc-pacer.ts";
import type { FileProgress, TransferObserver } from "./observer.ts";
import { type PartialState, readPartialState, removePartial, writePartialState } from "./partial-state.ts";
import { balancedChunks, RangeSet } from "./range-set.ts";
import type { ByteSource, ByteSourceFactory } from "./byte-source.ts";
import { goesThroughXet, hubFileSource } from "./hub-file-source.ts";
import { type ChunkCatalog, type StoredChunkRun, toStored } from "./xet/chunk-map.ts";
import { formatBytes } from "../output/format.ts";
import { compareDigests } from "../verify/check-file.ts";
import { ServerTooSlowError } from "../hub/call-budget.ts";
import { describeUrl } from "../hub/urls.ts";
import { LowSpeedGuard, TransferTooSlow } from "./low-speed.ts";

const fsyncAsync = promisify(fsync);
const fdatasyncAsync = promisify(fdatasync);

export type TransferTuning = {
  /** Connections one file may use at once. */
  readonly connectionsPerFile: number;
  /** Bytes per ranged request. */
  readonly chunkSize: number;
  /** Files at least this large are fetched as parallel ranges. */
  readonly rangedThreshold: number;
  /** The same for sources whose units are cheap (Xet: one request each, the plan asked once). */
  readonly cheapUnitsRangedThreshold: number;
  readonly retry: RetryPolicy;
  /** A body slower than this (bytes per second) for a whole stall timeout is cut and retried like a stall; 0: never. */
  readonly minBytesPerSecond: number;
};

/** One file to fetch into its final path. */
export type FileJob = {
  readonly modelId: string;
  readonly repo: RepoRef;
  readonly commit: string;
  readonly file: RemoteFile;
  readonly level: VerifyLevel;
  readonly finalPath: string;
  readonly partialPath: string;
  readonly statePath: string;
  /** Called once the file is verified, right before it is moved to `finalPath` (to clear what an older revision left there). */
  readonly beforePlace?: () => void;
  /** Where the bytes come from; default: the Hub's resolve URL at `commit`. */
  readonly source?: ByteSourceFactory;
  /**
   * When `source` cannot deliver the file verified (it failed beyond retries, or its bytes were wrong: quarantined,
   * not fetched again): the job to run instead, from the bytes still on disk; undefined lets the failure stand.
   */
  readonly otherwise?: (failure: unknown) => FileJob | undefined;
  /** Chunks of Xet files already in the cache, which a Xet download copies instead of fetching. */
  readonly xetReuse?: ChunkCatalog;
  /** A Xet-backed file through the Hub's bridge alone (after Xet gave wrong bytes twice). */
  readonly bridgeOnly?: boolean;
};

export type TransferContext = {
  readonly http: HubHttp;
  readonly pool: ConnectionPool;
  readonly tuning: TransferTuning;
  readonly logger: Logger;
  readonly observer: TransferObserver;
  readonly signal?: AbortSignal;
  /** Hash workers; without them files are hashed on the main thread. */
  readonly hashPool?: FollowHashPool;
  readonly gcPacer?: GcPacer;
  /** Moves a bad copy aside for inspection and returns where it went. */
  readonly quarantine: (job: FileJob, badCopyPath: string) => Promise<string>;
};

/** A file placed at its final path, with what is known about its content. */
export type PlacedFile = {
  readonly path: string;
  readonly size: number;
  readonly sha256?: string;
  readonly mtimeMs: number;
  /** Xet files: where the file's chunks are in it, for later reuse. */
  readonly xetChunks?: readonly StoredChunkRun[];
  /** Xet files: bytes copied from chunks already in the cache instead of fetched (this run's part of the file). */
  readonly reusedBytes?: number;
};

class ChecksumMismatch extends Error {
  constructor(readonly failure: VerificationFailure) {
    super(`wrong ${failure.reason === "sha256" ? "sha256" : "git blob sha1"} (expected ${failure.expected}, got ${failure.actual})`);
  }
}

class TruncatedBodyError extends Error {
  override readonly name = "TruncatedBodyError";
  readonly code = "ECONNRESET";
}

/** The server ignored a Range header: the file has to be fetched as one stream from byte 0. */
class RangesUnsupported extends Error {
  constructor(path: string) {
    super(`the server ignored a Range request for "${path}" (answered 200 with the whole file)`);
  }
}

/**
 * Fetches one file, verifies it at the job's level, and moves it to its final
 * path. A checksum mismatch quarantines the bad copy; a job with somewhere else
 * to go (`otherwise`) goes there, as after any failure, since retries are for
 * transport faults, not for a source's wrong bytes. Without one, the file is
 * fetched once more from scratch before giving up with BadChecksumError.
 */
export async function downloadFile(job: FileJob, context: TransferContext): Promise<PlacedFile> {
  if (!job.otherwise) return downloadChecked(job, context);
  try {
    return await new FileTransfer(job, context).run();
  } catch (error) {
    const failure = asBadChecksum(error, job);
    const instead = context.signal?.aborted ? undefined : job.otherwise(failure);
    if (!instead) throw failure;
    return downloadFile(instead, context);
  }
}

async function downloadChecked(job: FileJob, context: TransferContext): Promise<PlacedFile> {
  const first = new FileTransfer(job, context);
  try {
    return await first.run();
  } catch (error) {
    if (!(error instanceof ChecksumMismatch)) throw error;
    // Xet already failed for this file (said once, the rest went through the bridge): the bridge alone from here.
    if (first.leftXet) {
      context.logger.warn(`${job.modelId}: ${job.file.path}: ${error.message}; fetching it again from scratch through the Hub's bridge`);
      return fromTheBridge(job, context);
    }
    context.logger.warn(`${job.modelId}: ${job.file.path}: ${error.message}; fetching it again from scratch`);
  }
  // From scratch means from the network: chunks copied from the cache may be what was wrong.
  const fromScratch = { ...job, xetReuse: undefined };
  try {
    return await new FileTransfer(fromScratch, context).run();
  } catch (error) {
    // Wrong bytes twice through Xet (a bad xorb, a CAS lying about its terms): the bridge is another path to the same bytes.
    if (!(error instanceof ChecksumMismatch) || job.source || !goesThroughXet(context.http, job.file)) throw asBadChecksum(error, job);
    context.logger.warn(`${job.modelId}: ${job.file.path}: ${error.message} again through Xet; fetching it through the Hub's bridge`);
  }
  return fromTheBridge(job, context);
}

/** A Xet-backed file from scratch through the Hub's bridge alone, after wrong bytes through Xet. */
async function fromTheBridge(job: FileJob, context: TransferContext): Promise<PlacedFile> {
  try {
    return await new FileTransfer({ ...job, xetReuse: undefined, bridgeOnly: true }, context).run();
  } catch (error) {
    throw asBadChecksum(error, job);
  }
}

/** A source's wrong bytes, as the model's BadChecksumError; any other error as it is. */
function asBadChecksum(error: unknown, job: FileJob): unknown {
  return error instanceof ChecksumMismatch ? new BadChecksumError(job.modelId, [error.failure]) : error;
}

class FileTransfer {
  private readonly identity: string;
  private done = new RangeSet();
  private fd = -1;
  private hashing: DownloadHasher | undefined;
  private progress: FileProgress | undefined;
  private saver: StateSaver | undefined;
  private source: ByteSource | undefined;

  constructor(
    private readonly job: FileJob,
    private readonly context: TransferContext,
  ) {
    this.identity = job.file.lfsSha256 ?? job.file.oid;
  }

  /** Whether Xet failed for the file during this transfer and the bridge took over. */
  get leftXet(): boolean {
    return this.source?.leftXet === true;
  }

  async run(): Promise<PlacedFile> {
    const { job, context } = this;
    const size = job.file.size;
    mkdirSync(dirname(job.partialPath), { recursive: true });
    this.restoreResumableRanges();
    this.fd = openSync(job.partialPath, this.done.totalBytes > 0 ? "r+" : "w+");
    let completed = false;
    try {
      const source =
        job.source?.(context.http) ??
        hubFileSource(context.http, job.repo, job.commit, job.file, this.identity, context.logger, { reuse: job.xetReuse, bridgeOnly: job.bridgeOnly });
      const { rangedThreshold, cheapUnitsRangedThreshold } = context.tuning;
      const ranged = size >= (source.cheapUnits ? Math.min(rangedThreshold, cheapUnitsRangedThreshold) : rangedThreshold);
      if (ranged) ftruncateSync(this.fd, size);
      this.hashing = this.createHasher();
      for (const [start, end] of this.done.toJSON()) this.hashing?.alreadyOnDisk(start, end);
      this.progress = context.observer.fileStarted(job.modelId, job.file.path, { size, resumedBytes: this.done.totalBytes, ranged });
      if (this.done.totalBytes > 0) {
        context.logger.debug(`resuming ${job.file.path}: ${this.done.totalBytes} of ${size} bytes already on disk`);
      }
      this.saver = new StateSaver(this.fd, job.statePath, () => ({ ...this.stateBase(), done: this.done.toJSON() }), context.tuning.chunkSize);
      await this.fetchMissing(source, ranged);
      await this.saver.settle();
      const placed = await this.verifyAndPlace();
      completed = true;
      this.progress.finished();
      return placed;
    } finally {
      if (!completed) await this.keepForResume();
    }
  }

  /** Ranges recorded by an earlier run for exactly this content; anything else is discarded. */
  private restoreResumableRanges(): void {
    const { job } = this;
    const state = readPartialState(job.statePath);
    const partialSize = fileSize(job.partialPath);
    const matches =
      state !== undefined &&
      partialSize !== undefined &&
      state.repoId === job.repo.repoId &&
      state.path === job.file.path &&
      state.size === job.file.size &&
      state.identity === this.identity;
    if (!matches) {
      removePartial(job.partialPath, job.statePath);
      return;
    }
    for (const [start, end] of state.done) {
      if (end <= Math.min(partialSize, job.file.size)) this.done.add(start, end);
    }
  }

  private stateBase(): Omit<PartialState, "done"> {
    const { job } = this;
    return { version: 1, repoId: job.repo.repoId, commit: job.commit, path: job.file.path, size: job.file.size, identity: this.identity };
  }

  private createHasher(): DownloadHasher | undefined {
    const { job, context } = this;
    // Bytes copied from cached files are checked whatever the level: a disk can rot under a size and mtime that did not change.
    if (job.level !== "sha256" && !job.xetReuse) return undefined;
    const isLfs = job.file.lfsSha256 !== undefined;
    return createDownloadHasher({
      fd: this.fd,
      path: job.partialPath,
      size: job.file.size,
      // Regular files are checked by git blob SHA-1; their sha256 is computed in the same pass for the index.
      kinds: { sha256: true, gitSha1: !isLfs },
      pool: context.hashPool,
      onFallback: (reason) => context.logger.debug(`${job.file.path}: hashing on the main thread (${reason})`),
    });
  }

  private async fetchMissing(source: ByteSource, ranged: boolean): Promise<void> {
    const { job, context } = this;
    const gaps = this.done.missing(job.file.size);
    if (gaps.length === 0) return;
    this.source = source;
    try {
      if (ranged) {
        const units = await this.locate(source, gaps);
        await this.fetchUnits(source, units, context.tuning.connectionsPerFile, true);
      } else {
        await this.fetchUnits(source, gaps, 1, false);
      }
    } catch (error) {
      if (!(error instanceof RangesUnsupported)) throw error;
      await this.fetchAsOneStream(source);
    }
  }

  /**
   * The request that finds a large file's location is retried like every other one; then the
   * missing ranges are cut into units, as the source plans them or in even pieces.
   */
  private async locate(source: ByteSource, gaps: Array<[number, number]>): Promise<Array<[number, number]>> {
    const { job, context } = this;
    const { chunkSize, connectionsPerFile } = context.tuning;
    try {
      const locateAndPlan = async () => {
        await source.locate(context.signal);
        return source.plan?.(gaps, chunkSize, context.signal);
      };
      const planned = await withRetries(() => context.pool.use(locateAndPlan, context.signal), {
        policy: context.tuning.retry,
        logger: context.logger,
        what: `${job.file.path} (locating it)`,
        signal: context.signal,
        ...context.http.retryHooks(),
      });
      return planned ?? balancedChunks(gaps, chunkSize, connectionsPerFile);
    } catch (error) {
      throw this.failure(error, context.signal);
    }
  }

  /**
   * Without Range support a dropped connection cannot be resumed: the file is
   * fetched from byte 0 again, as many times as the retry policy allows.
   */
  private async fetchAsOneStream(source: ByteSource): Promise<void> {
    const { job, context } = this;
    for (let restart = 1; ; restart++) {
      context.logger.debug(`${job.file.path}: the server ignores Range requests; fetching the whole file in one stream`);
      await this.saver?.settle();
      this.progress?.rewind(this.done.totalBytes);
      this.done = new RangeSet();
      this.hashing?.cancel();
      this.hashing = this.createHasher();
      try {
        await this.fetchUnits(source, [[0, job.file.size]], 1, false);
        return;
      } catch (error) {
        if (!(error instanceof RangesUnsupported)) throw error;
        if (restart >= context.tuning.retry.maxAttempts) {
          throw new DownloadError(
            `Failed to download "${job.file.path}" from ${job.repo.repoId}: the connection broke ${restart} times and the server cannot resume (${error.message}); try again on a steadier connection`,
          );
        }
      }
    }
  }

  /** What a failed transfer is reported as: our own errors as they are, anything else as a DownloadError naming the file. */
  private failure(error: unknown, signal?: AbortSignal): unknown {
    const { job } = this;
    if (error instanceof ModelManagerError || error instanceof RangesUnsupported || signal?.aborted) return error;
    const unreachable = this.context.http.reachability.explain(error);
    if (unreachable) return unreachable;
    const message = `Failed to download "${job.file.path}" from ${job.repo.repoId} at ${job.commit.slice(0, 12)}: ${describeError(error)}`;
    return error instanceof TransferTooSlow ? new ServerTooSlowError(message, { cause: error }) : new DownloadError(message, { cause: error });
  }

  /**
   * Runs the units on up to `parallel` connections from the shared pool (ranged:
   * as many as the ConnectionSizer says); the first failure stops the others.
   */
  private async fetchUnits(source: ByteSource, units: Array<[number, number]>, parallel: number, ranged: boolean): Promise<void> {
    const abort = new AbortController();
    const parentSignal = this.context.signal;
    const onParentAbort = () => abort.abort(parentSignal?.reason);
    if (parentSignal?.aborted) abort.abort(parentSignal.reason);
    else parentSignal?.addEventListener("abort", onParentAbort, { once: true });
    let firstError: unknown;
    const queue = [...units];
    const sizer = ranged ? new ConnectionSizer(parallel, units.length) : undefined;
    const workers: Array<Promise<void>> = [];
    const onRate = (bytesPerSecond: number) => {
      for (let added = sizer?.observe(bytesPerSecond) ?? 0; added > 0 && queue.length > 0; added--) launch();
    };
    const worker = async () => {
      const probe = sizer && new RateProbe(onRate);
      for (let unit = queue.shift(); unit && !abort.signal.aborted; unit = queue.shift()) {
        const [start, end] = unit;
        await this.context.pool.use(() => this.fetchUnit(source, start, end, ranged, abort.signal, probe), abort.signal);
      }
    };
    const launch = () => {
      workers.push(
        worker().catch((error: unknown) => {
          firstError ??= error;
          abort.abort(error);
        }),
      );
    };
    for (let index = 0; index < Math.min(sizer?.initial ?? parallel, queue.length); index++) launch();
    try {
      // Workers may be added while the first ones run.
      for (let index = 0; index < workers.length; index++) await workers[index];
    } finally {
      parentSignal?.removeEventListener("abort", onParentAbort);
    }
    if (firstError !== undefined) throw firstError;
  }

  private async fetchUnit(
    source: ByteSource,
    start: number,
    end: number,
    ranged: boolean,
    signal: AbortSignal,
    probe?: RateProbe,
  ): Promise<void> {
    const { job, context } = this;
    const size = job.file.size;
    let position = start;
    let progressed = false;
    try {
      await withRetries(
        async () => {
          progressed = false;
          const range: ByteRange | undefined = ranged || position > 0 || end < size ? { start: position, end } : undefined;
          const { response, url, watch } = await source.open(range, signal);
          try {
            checkContentRange(response, range, size, job.file.path);
            if (!response.body) throw new TruncatedBodyError(`empty body for ${job.file.path}`);
            probe?.bodyStarts();
            const speed = new LowSpeedGuard(context.tuning.minBytesPerSecond, context.http.settings.stallTimeoutMs, /^https?:/.test(url) ? describeUrl(url) : url);
            for await (const chunk of response.body) {
              watch.touch();
              const room = end - position;
              const piece = chunk.byteLength > room ? chunk.subarray(0, room) : chunk;
              this.write(piece, position);
              position += piece.byteLength;
              progressed = true;
              probe?.received(piece.byteLength);
              speed.received(piece.byteLength);
              if (chunk.byteLength > room) {
                throw new DownloadError(`The server sent more bytes than requested for ${job.file.path}`);
              }
            }
            if (position < end) {
              throw new TruncatedBodyError(`connection closed after ${position - start} of ${end - start} bytes`);
            }
          } catch (error) {
            // A trickle is not progress: its retries are counted, as a stall's are.
            if (error instanceof TransferTooSlow) progressed = false;
            throw watch.signal.aborted && !signal.aborted ? watch.signal.reason : error;
          } finally {
            watch.release();
          }
        },
        {
          policy: context.tuning.retry,
          logger: context.logger,
          what: `${job.file.path} (bytes ${start}-${end - 1})`,
          signal,
          madeProgress: () => progressed,
          ...context.http.retryHooks(),
        },
      );
    } catch (error) {
      throw this.failure(error, signal);
    }
  }

  private write(bytes: Uint8Array, position: number): void {
    let written = 0;
    while (written < bytes.byteLength) {
      written += writeSync(this.fd, bytes, written, bytes.byteLength - written, position + written);
    }
    this.hashing?.written(position, bytes);
    this.done.add(position, position + bytes.byteLength);
    this.progress?.advance(bytes.byteLength);
    this.saver?.noteBytes(bytes.byteLength);
    this.context.gcPacer?.received(bytes.byteLength);
  }

  private async verifyAndPlace(): Promise<PlacedFile> {
    const { job, context } = this;
    const size = job.file.size;
    const onDisk = fstatSync(this.fd).size;
    if (!this.done.covers(size) || onDisk !== size) {
      throw new DownloadError(`internal: ${job.file.path} is incomplete (${onDisk} of ${size} bytes on disk)`);
    }
    const hashed = this.hashing?.finish();
    hashed?.catch(() => {}); // awaited below; the fsync must end before the fd closes, whatever happens
    await fsyncAsync(this.fd);
    const digests = await hashed;
    closeSync(this.fd);
    this.fd = -1;
    const { path, oid, lfsSha256 } = job.file;
    const failure = digests ? compareDigests({ path, size, oid, sha256: lfsSha256, lfs: lfsSha256 !== undefined }, digests) : undefined;
    if (failure) {
      await context.quarantine(job, job.partialPath);
      rmSync(job.statePath, { force: true });
      this.progress?.rewind(size);
      throw new ChecksumMismatch(failure);
    }
    job.beforePlace?.();
    mkdirSync(dirname(job.finalPath), { recursive: true });
    renameSync(job.partialPath, job.finalPath);
    fsyncDirectory(dirname(job.finalPath));
    rmSync(job.statePath, { force: true });
    const outcome = this.source?.outcome?.();
    if (outcome && outcome.reusedBytes > 0) {
      context.logger.info(
        `${job.modelId}: ${job.file.path}: reused ${formatBytes(outcome.reusedBytes)} of ${formatBytes(size)} from the cache, fetched ${formatBytes(outcome.fetchedBytes)}`,
      );
      context.logger.debug(`${job.modelId}: ${job.file.path}: reused ${outcome.reusedBytes} bytes from the cache, fetched ${outcome.fetchedBytes} bytes`);
    }
    const xetChunks = outcome && outcome.chunkRuns.length > 0 ? { xetChunks: toStored(outcome.chunkRuns) } : {};
    const reused = outcome && outcome.reusedBytes > 0 ? { reusedBytes: outcome.reusedBytes } : {};
    return { path: job.file.path, size, sha256: digests?.sha256 ?? job.file.lfsSha256, mtimeMs: statSync(job.finalPath).mtimeMs, ...xetChunks, ...reused };
  }

  /** On failure or interruption: record what is on disk so the next run resumes, then close. */
  private async keepForResume(): Promise<void> {
    this.progress?.failed();
    this.hashing?.cancel();
    if (this.fd < 0) return;
    try {
      await this.saver?.settle();
      if (this.done.totalBytes > 0) {
        // As on the periodic save: the data reaches the disk before the state that claims it, or a power loss leaves zero-filled "done" ranges.
        await fdatasyncAsync(this.fd);
        writePartialState(this.job.statePath, { ...this.stateBase(), done: this.done.toJSON() });
      }
    } catch (error) {
      this.context.logger.debug(`could not record resume state for ${this.job.file.path}: ${describeError(error)}`);
    } finally {
      closeSync(this.fd);
      this.fd = -1;
      // Nothing arrived (a refused URL, an error before the first byte): nothing worth keeping.
      if (this.done.totalBytes === 0) removePartial(this.job.partialPath, this.job.statePath);
    }
  }
}

function checkContentRange(response: Response, range: ByteRange | undefined, size: number, path: string): void {
  if (!range) {
    if (response.status !== 200) throw new DownloadError(`Unexpected HTTP ${response.status} for ${path}`);
    const length = response.headers.get("content-length");
    if (length !== null && Number(length) !== size) {
      throw new SizeMismatchError(`The server announced ${cleanServerText(length, 40)} bytes for ${path}, but the Hub's listing says ${size}`);
    }
    return;
  }
  if (response.status === 200) {
    void response.body?.cancel().catch(() => {});
    throw new RangesUnsupported(path);
  }
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
  // The size first: a shorter object also answers a range past its end with a shorter range.
  if (match && match[3] !== "*" && Number(match[3]) !== size) {
    throw new SizeMismatchError(`The server reports ${match[3]} bytes for ${path}, but the Hub's listing says ${size}`);
  }
  if (!match || Number(match[1]) !== range.start || Number(match[2]) !== range.end - 1) {
    throw new DownloadError(`The server answered ${path} with the wrong byte range (${cleanServerText(response.headers.get("content-range") ?? "none", 80)})`);
  }
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/**
 * Persists resume state every `everyBytes` bytes. Data is flushed before the
 * state that claims it is written, and saves never overlap: requests that
 * arrive during a save are folded into one more save.
 */
class StateSaver {
  private sinceLastSave = 0;
  private saving: Promise<void> | undefined;
  private pendingAgain = false;

  constructor(
    private readonly fd: number,
    private readonly statePath: string,
    private readonly snapshot: () => PartialState,
    private readonly everyBytes: number,
  ) {}

  noteBytes(bytes: number): void {
    this.sinceLastSave += bytes;
    if (this.sinceLastSave < this.everyBytes) return;
    this.sinceLastSave = 0;
    if (this.saving) {
      this.pendingAgain = true;
      return;
    }
    this.saving = this.saveLoop().finally(() => {
      this.saving = undefined;
    });
  }

  async settle(): Promise<void> {
    await this.saving?.catch(() => {});
  }

  private async saveLoop(): Promise<void> {
    do {
      this.pendingAgain = false;
      const state = this.snapshot();
      await fdatasyncAsync(this.fd);
      writePartialState(this.statePath, state);
    } while (this.pendingAgain);
  }
}
