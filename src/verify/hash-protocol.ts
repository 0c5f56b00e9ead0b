/** Messages between the main thread and `hash-worker.ts` (flat objects: Bun's postMessage fast path). */

export type HashRequest = {
  readonly id: number;
  readonly path: string;
  readonly size: number;
  readonly sha256: boolean;
  readonly gitSha1: boolean;
};

export type HashReply =
  | { readonly type: "progress"; readonly id: number; readonly bytes: number }
  | { readonly type: "done"; readonly id: number; readonly bytes: number; readonly sha256: string | null; readonly gitSha1: string | null }
  | { readonly type: "error"; readonly id: number; readonly message: string; readonly code: string | null };
