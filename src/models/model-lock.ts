import { describeLockOwner, acquireLock } from "../cache/lock.ts";
import { lockPath } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import type { RunContext } from "./context.ts";

export type HeldModelLock = AsyncDisposable & {
  /** Aborts if another process broke the lock as stale (this one was frozen too long). */
  readonly signal: AbortSignal;
};

/**
 * One process at a time works on a model directory; others wait, then find
 * the model cached. Keyed by the directory, the physical thing being written.
 */
export async function holdModelLock(cacheDir: string, spec: Pick<ModelSpec, "id" | "localDir">, context: RunContext): Promise<HeldModelLock> {
  const lock = await acquireLock(lockPath(cacheDir, `model-${spec.localDir}`), {
    purpose: `working on model ${spec.id}`,
    signal: context.signal,
    onWait: (owner) => context.logger.info(`${spec.id}: waiting for ${describeLockOwner(owner)}`),
    onBreak: (owner, reason) => context.logger.warn(`${spec.id}: took over a stale lock of ${describeLockOwner(owner)} (${reason})`),
  });
  return {
    signal: lock.lost,
    [Symbol.asyncDispose]: async () => lock.release(),
  };
}
