import { availableParallelism } from "node:os";
import type { ContentDigests, HashKinds } from "../verify/hasher.ts";
import { type FollowReply, type FollowRequest, followWorkerMain } from "./follow-worker.ts";

/** The worker could not start, crashed, or was stopped: the caller hashes on the main thread instead. */
export class FollowWorkerUnavailable extends Error {}

type Pending = { readonly resolve: (digests: ContentDigests) => void; readonly reject: (error: Error) => void };

type Slot = { readonly worker: Worker; readonly pending: Map<number, Pending>; failed: boolean };

let scriptUrl: string | undefined;

/**
 * The worker script travels inside the main bundle as the source of
 * `followWorkerMain`, started from a blob URL: no extra build entrypoint and
 * no file to find next to the compiled binary.
 */
function workerScript(): string {
  scriptUrl ??= URL.createObjectURL(new Blob([`(${followWorkerMain.toString()})();`], { type: "application/javascript" }));
  return scriptUrl;
}

/** One worker hashes about 1.2 GiB/s, faster than one process receives; more only help when cores are spare. */
function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Hash workers shared by the files of one run. Each file goes to the worker
 * with the fewest files in hand; a worker hashes its files in turn.
 */
export class FollowHashPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly maxWorkers = defaultWorkerCount()) {}

  /** Starts hashing `path` as it grows; undefined when no worker can run. */
  follow(path: string, size: number, kinds: HashKinds): FollowJob | undefined {
    const slot = this.pickSlot();
    if (!slot) return undefined;
    const id = this.nextId++;
    const result = new Promise<ContentDigests>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
    result.catch(() => {}); // a cancelled job's outcome is not awaited
    const post = (request: FollowRequest) => {
      if (!slot.failed) slot.worker.postMessage(request);
    };
    post({ type: "open", id, path, size, sha256: kinds.sha256, gitSha1: kinds.gitSha1 });
    return new FollowJob(id, post, result, () => slot.pending.delete(id));
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots.splice(0)) this.fail(slot, new FollowWorkerUnavailable("hash worker stopped"), true);
  }

  private pickSlot(): Slot | undefined {
    if (this.closed) return undefined;
    const live = this.slots.filter((slot) => !slot.failed);
    if (live.length < this.maxWorkers && live.every((slot) => slot.pending.size > 0)) {
      const started = this.startWorker();
      if (started) return started;
    }
    return live.sort((a, b) => a.pending.size - b.pending.size)[0];
  }

  private startWorker(): Slot | undefined {
    let worker: Worker;
    try {
      worker = new Worker(workerScript());
    } catch {
      return undefined;
    }
    const slot: Slot = { worker, pending: new Map(), failed: false };
    worker.onmessage = (event: MessageEvent<FollowReply>) => {
      const reply = event.data;
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (reply.type === "done") pending.resolve({ bytes: reply.bytes, sha256: reply.sha256 ?? undefined, gitSha1: reply.gitSha1 ?? undefined });
      else pending.reject(new Error(reply.message));
    };
    worker.addEventListener("error", (event) => this.fail(slot, new FollowWorkerUnavailable(`hash worker failed: ${event.message}`), true));
    worker.addEventListener("close", () => this.fail(slot, new FollowWorkerUnavailable("hash worker exited"), false));
    this.slots.push(slot);
    return slot;
  }

  private fail(slot: Slot, error: Error, terminate: boolean): void {
    if (!slot.failed && terminate) slot.worker.terminate();
    slot.failed = true;
    for (const pending of slot.pending.values()) pending.reject(error);
    slot.pending.clear();
  }
}

/** One file being hashed by a worker. */
export class FollowJob {
  constructor(
    private readonly id: number,
    private readonly post: (request: FollowRequest) => void,
    private readonly result: Promise<ContentDigests>,
    private readonly forget: () => void,
  ) {}

  /** Bytes [0, offset) are on disk. */
  upTo(offset: number): void {
    this.post({ type: "upTo", id: this.id, offset, last: false });
  }

  /** The whole file, `size` bytes, is on disk: the digests once the worker has hashed it. */
  finish(size: number): Promise<ContentDigests> {
    this.post({ type: "upTo", id: this.id, offset: size, last: true });
    return this.result;
  }

  cancel(): void {
    this.post({ type: "cancel", id: this.id });
    this.forget();
  }
}
