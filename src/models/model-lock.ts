import { join } from "node:path";
import { acquireLock, describeLockOwner, type Lock } from "../cache/lock.ts";
import { assertStateFoldersSafe, lockPath, quarantineDir, safeFileName } from "../cache/layout.ts";
import { requireWritableCache } from "../cache/writable.ts";
import type { ModelSpec } from "../config/types.ts";
import { type CacheLayout, type CacheLocation, cacheDirSourceOf, configPathOf } from "../layout/index.ts";
import { recordedEntry } from "./records.ts";
import { readIndexFor, type RunContext } from "./context.ts";
import { modelPartialDir } from "./partials.ts";

export type HeldModelLock = AsyncDisposable & {
  /** Aborts if another process broke one of the locks as stale (this one was frozen too long). */
  readonly signal: AbortSignal;
  /** The names of the locks held (see CacheLayout.lockNames). */
  readonly names: ReadonlySet<string>;
};

/**
 * The locks of the folders a model's work writes (see CacheLayout.lockNames). Taken in one fixed
 * order, so two models swapping folders cannot each hold one lock and wait forever for the other.
 */
async function holdNamedLocks(layout: CacheLayout, spec: ModelSpec, names: readonly string[], context: RunContext, cacheDirSource: string | undefined): Promise<HeldModelLock> {
  const { stateRoot } = layout;
  requireWritableCache(layout.root, spec.id, "cannot be changed there", cacheDirSource);
  const ordered = [...new Set(names)].sort();
  assertStateFoldersSafe(stateRoot, [join(quarantineDir(stateRoot), safeFileName(spec.id)), modelPartialDir(stateRoot, layout.partialKey(spec))]);
  const held: Lock[] = [];
  const releaseAll = () => {
    for (const lock of held.reverse()) lock.release();
  };
  try {
    for (const name of ordered) {
      held.push(
        await acquireLock(lockPath(stateRoot, name), {
          purpose: `working on model ${spec.id}`,
          signal: context.signal,
          onWait: (owner) => context.logger.info(`${spec.id}: waiting for ${describeLockOwner(owner)}`),
          onBreak: (owner, reason) => context.logger.warn(`${spec.id}: took over a stale lock of ${describeLockOwner(owner)} (${reason})`),
        }),
      );
    }
  } catch (error) {
    releaseAll();
    throw error;
  }
  return {
    signal: held.length === 1 ? (held[0] as Lock).lost : AbortSignal.any(held.map((lock) => lock.lost)),
    names: new Set(ordered),
    [Symbol.asyncDispose]: async () => releaseAll(),
  };
}

/**
 * The locks a run or --clean of `spec` (in the cache of `cache`, a configuration's) needs: the folders it
 * writes and those its index entry records when they differ (what is left there is removed under their lock).
 * Retries if the entry moved on while the locks were taken.
 */
export async function holdWorkLocks(layout: CacheLayout, spec: ModelSpec, context: RunContext, cache: CacheLocation): Promise<HeldModelLock> {
  const lockNames = async () => layout.lockNames(spec, recordedEntry(await readIndexFor(layout.stateRoot, context), spec, layout, configPathOf(cache)));
  for (;;) {
    const lock = await holdNamedLocks(layout, spec, await lockNames(), context, cacheDirSourceOf(cache));
    if ((await lockNames()).every((name) => lock.names.has(name))) return lock;
    await lock[Symbol.asyncDispose]();
  }
}
