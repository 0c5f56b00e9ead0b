import { messageOf } from "../errors.ts";
/**
 * The hash worker that follows partial files as they are written: the main
 * thread says "bytes [0, N) of this file are on disk" and the worker hashes
 * them from the page cache, so receiving and writing on one core overlaps
 * with hashing on another.
 *
 * `followWorkerMain` runs as the worker's whole script: it is turned into
 * source text (see follow-pool.ts), so it must not use anything from module
 * scope, only globals (Bun, Buffer, process).
 */

export type FollowRequest =
  | { readonly type: "open"; readonly id: number; readonly path: string; readonly size: number; readonly sha256: boolean; readonly gitSha1: boolean }
  /** Bytes [0, offset) are written; `last` when that is the whole file and the digests are wanted. */
  | { readonly type: "upTo"; readonly id: number; readonly offset: number; readonly last: boolean }
  | { readonly type: "cancel"; readonly id: number };

export type FollowReply =
  | { readonly type: "done"; readonly id: number; readonly bytes: number; readonly sha256: string | null; readonly gitSha1: string | null }
  | { readonly type: "error"; readonly id: number; readonly message: string };

export function followWorkerMain(): void {
  const fs = process.getBuiltinModule("node:fs");
  const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  type Job = { fd: number; hashed: number; target: number; last: boolean; sha256?: Bun.CryptoHasher; gitSha1?: Bun.CryptoHasher };
  const jobs = new Map<number, Job>();
  const scope = globalThis as unknown as { onmessage: (event: MessageEvent<FollowRequest>) => void; postMessage: (reply: FollowReply) => void };

  const close = (id: number) => {
    const job = jobs.get(id);
    jobs.delete(id);
    if (job) fs.closeSync(job.fd);
  };
  const fail = (id: number, error: unknown) => {
    close(id);
    scope.postMessage({ type: "error", id, message: messageOf(error) });
  };

  // Hashes every job up to its target, one block per job in turn, then answers the finished ones.
  const pump = () => {
    let busy = true;
    while (busy) {
      busy = false;
      for (const [id, job] of jobs) {
        if (job.hashed >= job.target) continue;
        try {
          const read = fs.readSync(job.fd, buffer, 0, Math.min(buffer.byteLength, job.target - job.hashed), job.hashed);
          if (read <= 0) throw new Error(`the partial file ended at byte ${job.hashed}, before ${job.target}`);
          const bytes = buffer.subarray(0, read);
          job.sha256?.update(bytes);
          job.gitSha1?.update(bytes);
          job.hashed += read;
          busy = true;
        } catch (error) {
          fail(id, error);
        }
      }
    }
    for (const [id, job] of jobs) {
      if (!job.last || job.hashed < job.target) continue;
      close(id);
      scope.postMessage({ type: "done", id, bytes: job.hashed, sha256: job.sha256?.digest("hex") ?? null, gitSha1: job.gitSha1?.digest("hex") ?? null });
    }
  };

  scope.onmessage = (event) => {
    const request = event.data;
    if (request.type === "open") {
      try {
        const job: Job = { fd: fs.openSync(request.path, "r"), hashed: 0, target: 0, last: false };
        if (request.sha256) job.sha256 = new Bun.CryptoHasher("sha256");
        if (request.gitSha1) {
          job.gitSha1 = new Bun.CryptoHasher("sha1");
          job.gitSha1.update(`blob ${request.size}\0`);
        }
        jobs.set(request.id, job);
      } catch (error) {
        scope.postMessage({ type: "error", id: request.id, message: messageOf(error) });
      }
    } else if (request.type === "upTo") {
      const job = jobs.get(request.id);
      if (!job) return;
      job.target = Math.max(job.target, request.offset);
      job.last = request.last;
      pump();
    } else {
      close(request.id);
    }
  };
}
