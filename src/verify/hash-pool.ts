/**
 * Hashing on worker threads: one `HashWorker` runs one file at a time.
 *
 * Finding the worker script: from source, it sits beside this file. In a
 * `bun build --compile` binary, `import.meta.url` is the binary's main module
 * at the virtual root (/$bunfs/root/<name>), and the worker, which the build
 * must list as an extra entrypoint, is stored at its path relative to the
 * build root as .js, so it is looked up under each plausible root.
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HashReply, HashRequest } from "./hash-protocol.ts";
import type { ContentDigests } from "./hasher.ts";

const COMPILED_WORKER_PATHS = ["src/verify/hash-worker.js", "verify/hash-worker.js", "hash-worker.js"];

/** The worker script to load, or undefined when it is not available (hash on the main thread instead). */
export function hashWorkerScript(): URL | string | undefined {
  const beside = new URL("./hash-worker.ts", import.meta.url);
  if (beside.protocol === "file:" && existsSync(fileURLToPath(beside))) return beside;
  for (const relative of COMPILED_WORKER_PATHS) {
    const candidate = join(import.meta.dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The worker could not run (failed to load, crashed, or was terminated); the job may be retried elsewhere. */
export class WorkerUnavailableError extends Error {}

type Job = {
  readonly id: number;
  readonly resolve: (digests: ContentDigests) => void;
  readonly reject: (error: Error) => void;
  readonly onBytes?: (bytes: number) => void;
};

export class HashWorker {
  private readonly worker: Worker;
  private job?: Job;
  private nextId = 1;
  private failure?: Error;

  constructor(script: URL | string) {
    this.worker = new Worker(script);
    this.worker.onmessage = (event: MessageEvent<HashReply>) => this.onReply(event.data);
    this.worker.onerror = (event: ErrorEvent) => this.fail(new WorkerUnavailableError(`hash worker failed: ${event.message}`));
    this.worker.addEventListener("close", () => this.fail(new WorkerUnavailableError("hash worker exited")));
  }

  hash(request: Omit<HashRequest, "id">, onBytes?: (bytes: number) => void): Promise<ContentDigests> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.job) return Promise.reject(new Error("HashWorker runs one job at a time"));
    const id = this.nextId++;
    return new Promise<ContentDigests>((resolve, reject) => {
      this.job = { id, resolve, reject, onBytes };
      this.worker.postMessage({ id, ...request } satisfies HashRequest);
    });
  }

  terminate(): void {
    this.fail(new WorkerUnavailableError("hash worker terminated"));
    this.worker.terminate();
  }

  private onReply(reply: HashReply): void {
    const job = this.job;
    if (!job || reply.id !== job.id) return;
    if (reply.type === "progress") {
      job.onBytes?.(reply.bytes);
      return;
    }
    this.job = undefined;
    if (reply.type === "done") {
      job.resolve({ bytes: reply.bytes, sha256: reply.sha256 ?? undefined, gitSha1: reply.gitSha1 ?? undefined });
    } else {
      job.reject(Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const job = this.job;
    this.job = undefined;
    job?.reject(error);
  }
}
