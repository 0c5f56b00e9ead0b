/**
 * Check many files of one model directory, hashing in parallel across cores.
 *
 * Files are first checked for presence and size on the main thread; those that
 * need hashing are queued largest first. Worker threads take from the large
 * end, the main thread takes small files (under `mainThreadMaxBytes`) from the
 * small end, so a thousand tiny tokenizer files don't pay a message round trip
 * each. If no worker can run (e.g. a compiled binary built without the worker
 * entrypoint), everything is hashed on the main thread and `onWarning` is told.
 */

import { lstatSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { VerifyLevel } from "../config/types.ts";
import { UnsafePathError, type VerificationFailure } from "../errors.ts";
import { type FileRoot, lexicalPath, locate } from "../layout/index.ts";
import { checkPresence, compareDigests, describeNonFile, type ExpectedFile } from "./check-file.ts";
import { hashFile } from "./hash-file.ts";
import { HashWorker, hashWorkerScript, WorkerUnavailableError } from "./hash-pool.ts";
import type { ContentDigests, HashKinds } from "./hasher.ts";

export type VerifyProgress = {
  /** The file the latest bytes belong to. */
  readonly path: string;
  readonly filesDone: number;
  readonly filesTotal: number;
  /** Bytes hashed so far and to hash in total (0 at levels none and size). */
  readonly bytesDone: number;
  readonly bytesTotal: number;
};

export type VerifyOptions = {
  /** Worker threads; default: the number of CPUs. 1 hashes everything on the main thread. */
  concurrency?: number;
  /** Files up to this size are hashed on the main thread. Default 8 MiB. */
  mainThreadMaxBytes?: number;
  onProgress?: (progress: VerifyProgress) => void;
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
};

export type VerifyResult = {
  /** In the order of the input files. */
  readonly failures: VerificationFailure[];
  /** For every hashed file, by path (including mismatching ones), so callers can record sha256s. */
  readonly digests: Map<string, ContentDigests>;
};

const DEFAULT_MAIN_THREAD_MAX_BYTES = 8 * 1024 * 1024;

type HashJob = { readonly order: number; readonly expected: ExpectedFile; readonly absolutePath: string; readonly kinds: HashKinds };

/** `dir` is a model folder, or a layout's FileRoot (hf: blobs named by content). */
export async function verifyFiles(dir: string | FileRoot, files: readonly ExpectedFile[], level: VerifyLevel, options: VerifyOptions = {}): Promise<VerifyResult> {
  const failures: { order: number; failure: VerificationFailure }[] = [];
  const digests = new Map<string, ContentDigests>();
  const jobs: HashJob[] = [];
  const progress = progressTracker(files.length, options.onProgress);

  for (const [order, expected] of files.entries()) {
    options.signal?.throwIfAborted();
    let absolutePath: string;
    try {
      absolutePath = locate(dir, expected);
    } catch (error) {
      // A folder on the way is a link out of the model folder: this file is damaged, the others are still checked.
      if (!(error instanceof UnsafePathError)) throw error;
      const lexical = lexicalPath(dir, expected);
      const stats = lstatSync(lexical, { throwIfNoEntry: false });
      const actual = stats?.isSymbolicLink() ? await describeNonFile(lexical, stats) : error.message;
      failures.push({ order, failure: { path: expected.path, reason: "not-a-file", actual } });
      progress.fileDone(expected.path);
      continue;
    }
    const presence = await checkPresence(absolutePath, expected, level);
    if (presence.failure) failures.push({ order, failure: presence.failure });
    if (presence.kinds) jobs.push({ order, expected, absolutePath, kinds: presence.kinds });
    else progress.fileDone(expected.path);
  }

  jobs.sort((a, b) => b.expected.size - a.expected.size);
  progress.addBytesTotal(jobs.reduce((sum, job) => sum + job.expected.size, 0));

  const record = (job: HashJob, result: ContentDigests | "missing") => {
    if (result === "missing") {
      failures.push({ order: job.order, failure: { path: job.expected.path, reason: "missing" } });
    } else {
      digests.set(job.expected.path, result);
      const failure = compareDigests(job.expected, result);
      if (failure) failures.push({ order: job.order, failure });
    }
    progress.fileDone(job.expected.path);
  };
  await hashAll(jobs, record, progress, options);

  failures.sort((a, b) => a.order - b.order);
  return { failures: failures.map((item) => item.failure), digests };
}

async function hashAll(
  pending: HashJob[],
  record: (job: HashJob, digests: ContentDigests | "missing") => void,
  progress: ReturnType<typeof progressTracker>,
  options: VerifyOptions,
): Promise<void> {
  const mainThreadMaxBytes = options.mainThreadMaxBytes ?? DEFAULT_MAIN_THREAD_MAX_BYTES;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const workers = startWorkers(pending, mainThreadMaxBytes, options);
  let liveWorkers = workers.length;

  const hashHere = async (job: HashJob) => {
    const onBytes = (bytes: number) => progress.bytes(job.expected.path, bytes);
    record(job, await hashFile(job.absolutePath, job.kinds, job.expected.size, { onBytes, signal }).catch(missingIfVanished));
  };

  const workerLoop = async (worker: HashWorker) => {
    for (let job = pending.shift(); job; job = pending.shift()) {
      signal.throwIfAborted();
      const request = { path: job.absolutePath, size: job.expected.size, ...job.kinds };
      const path = job.expected.path;
      try {
        record(job, await worker.hash(request, (bytes) => progress.bytes(path, bytes)).catch(missingIfVanished));
      } catch (error) {
        if (!(error instanceof WorkerUnavailableError) || signal.aborted) throw error;
        pending.unshift(job);
        liveWorkers--;
        options.onWarning?.(`${error.message}; hashing continues on the main thread`);
        return;
      }
    }
  };

  const mainLoop = async () => {
    for (;;) {
      const smallest = pending.at(-1);
      const job = liveWorkers === 0 || (smallest && smallest.expected.size <= mainThreadMaxBytes) ? pending.pop() : undefined;
      if (!job) return;
      await hashHere(job);
    }
  };

  try {
    await Promise.all([...workers.map(workerLoop), mainLoop()]);
    // Only left over when every worker failed after the main loop had finished.
    for (let job = pending.shift(); job; job = pending.shift()) await hashHere(job);
  } catch (error) {
    stop.abort(error);
    throw error;
  } finally {
    for (const worker of workers) worker.terminate();
  }
}

/** A file deleted between the size check and hashing is reported as missing, not as an error. */
function missingIfVanished(error: unknown): "missing" {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
  throw error;
}

function startWorkers(pending: readonly HashJob[], mainThreadMaxBytes: number, options: VerifyOptions): HashWorker[] {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? availableParallelism()));
  const largeJobs = pending.filter((job) => job.expected.size > mainThreadMaxBytes).length;
  const count = concurrency === 1 ? 0 : Math.min(concurrency, largeJobs);
  if (count === 0) return [];
  const script = hashWorkerScript();
  if (!script) {
    options.onWarning?.("the hash worker script is not available (in a compiled binary it must be a build entrypoint); hashing on the main thread");
    return [];
  }
  return Array.from({ length: count }, () => new HashWorker(script));
}

function progressTracker(filesTotal: number, onProgress: VerifyOptions["onProgress"]) {
  let filesDone = 0;
  let bytesDone = 0;
  let bytesTotal = 0;
  const report = (path: string) => onProgress?.({ path, filesDone, filesTotal, bytesDone, bytesTotal });
  return {
    addBytesTotal(bytes: number) {
      bytesTotal += bytes;
    },
    bytes(path: string, bytes: number) {
      bytesDone += bytes;
      report(path);
    },
    fileDone(path: string) {
      filesDone++;
      report(path);
    },
  };
}
