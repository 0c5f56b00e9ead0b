import { join } from "node:path";
import { acquireLock, describeLockOwner, type Lock } from "../cache/lock.ts";
import { assertStateFoldersSafe, lockPath, quarantineDir, safeFileName } from "../cache/layout.ts";
import { requireWritableCache } from "../cache/writable.ts";
import type { ModelSpec } from "../config/types.ts";
import { readIndexFor, type RunContext } from "./context.ts";
import { modelPartialDir } from "./partials.ts";

export type HeldModelLock = AsyncDisposable & {
  /** Aborts if another process broke one of the locks as stale (this one was frozen too long). */
  readonly signal: AbortSignal;
  /** The local_dir folders whose locks are held. */
  readonly folders: ReadonlySet<string>;
};

/**
 * One process at a time works on a model directory; others wait, then find
 * the model cached. Keyed by the directory, the physical thing being written.
 */
export function holdModelLock(cacheDir: string, spec: Pick<ModelSpec, "id" | "localDir">, context: RunContext): Promise<HeldModelLock> {
  return holdFolderLocks(cacheDir, spec, [spec.localDir], context);
}

/**
 * The locks of several model folders (a model moving from its previous folder
 * to a new one needs both). Taken in one fixed order, so two models swapping
 * folders cannot each hold one lock and wait forever for the other.
 */
export async function holdFolderLocks(
  cacheDir: string,
  spec: Pick<ModelSpec, "id">,
  folders: readonly string[],
  context: RunContext,
): Promise<HeldModelLock> {
  requireWritableCache(cacheDir, spec.id, "cannot be changed there");
  const ordered = [...new Set(folders)].sort();
  assertStateFoldersSafe(cacheDir, [join(quarantineDir(cacheDir), safeFileName(spec.id)), ...ordered.map((localDir) => modelPartialDir(cacheDir, { localDir }))]);
  const held: Lock[] = [];
  const releaseAll = () => {
    for (const lock of held.reverse()) lock.release();
  };
  try {
    for (const folder of ordered) {
      held.push(
        await acquireLock(lockPath(cacheDir, `model-${folder}`), {
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
    folders: new Set(ordered),
    [Symbol.asyncDispose]: async () => releaseAll(),
  };
}

/**
 * The locks a run of `spec` needs: its folder, and the folder its index entry
 * records when that differs (the files left there are removed under that
 * folder's lock). Retries if the entry moved on while the locks were taken.
 */
export async function holdWorkLocks(cacheDir: string, spec: Pick<ModelSpec, "id" | "localDir">, context: RunContext): Promise<HeldModelLock> {
  const recordedFolder = async () => (await readIndexFor(cacheDir, context)).models[spec.id]?.localDir;
  for (;;) {
    const before = await recordedFolder();
    const lock = await holdFolderLocks(cacheDir, spec, before === undefined ? [spec.localDir] : [spec.localDir, before], context);
    const after = await recordedFolder();
    if (after === undefined || lock.folders.has(after)) return lock;
    await lock[Symbol.asyncDispose]();
  }
}
