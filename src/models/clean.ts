import { join } from "node:path";
import type { CacheIndex } from "../cache/index-schema.ts";
import { updateIndex } from "../cache/index-file.ts";
import { quarantineDir, safeFileName } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import { type CacheLayout, type CacheLocation, cacheLayout, pathTargets, type RemovalTarget } from "../layout/index.ts";
import { readIndexFor, type RunContext } from "./context.ts";
import { holdWorkLocks } from "./model-lock.ts";
import { modelPartialDir } from "./partials.ts";

export type CleanReport = {
  readonly id: string;
  /** Absolute paths removed (or that would be, with dryRun). */
  readonly removed: readonly string[];
  readonly bytes: number;
  /** The index had an entry for this model. */
  readonly indexed: boolean;
  /** Nothing of this model was in the cache. */
  readonly wasEmpty: boolean;
  /** Where the model would live, left as it is: the index does not record it and model-manager did not write it. */
  readonly left: readonly string[];
};

/**
 * Removes a model's files (plain: its directory and what its entry records in a previous folder;
 * hf: its snapshot, its ref and the blobs no other snapshot links), its partial downloads, its
 * quarantined files and its index entry; never a file another model records. Waits for a
 * process that is working on the model.
 */
export async function cleanModel(spec: ModelSpec, cache: CacheLocation, context: RunContext, dryRun: boolean): Promise<CleanReport> {
  const layout = cacheLayout(cache);
  const seen = await readIndexFor(layout.stateRoot, context);
  const before = report(spec.id, targetsOf(spec, layout, seen), seen.models[spec.id] !== undefined, leftOf(spec, layout, seen));
  if (dryRun || before.wasEmpty) return before;
  await using _lock = await holdWorkLocks(layout, spec, context);
  const current = await readIndexFor(layout.stateRoot, context);
  const present = targetsOf(spec, layout, current);
  const left = leftOf(spec, layout, current);
  let indexed = false;
  if (current.models[spec.id] !== undefined) {
    await updateIndex(layout.stateRoot, (index) => {
      indexed = index.models[spec.id] !== undefined;
      delete index.models[spec.id];
    });
  }
  for (const target of present) target.remove();
  return report(spec.id, present, indexed, left);
}

function targetsOf(spec: ModelSpec, layout: CacheLayout, index: CacheIndex): RemovalTarget[] {
  const { stateRoot } = layout;
  return [...layout.cleanTargets(spec, index), ...pathTargets([modelPartialDir(stateRoot, layout.partialKey(spec)), join(quarantineDir(stateRoot), safeFileName(spec.id))])];
}

function leftOf(spec: ModelSpec, layout: CacheLayout, index: CacheIndex): string[] {
  const folder = layout.unrecordedFolder?.(spec, index);
  return folder ? [folder] : [];
}

function report(id: string, present: readonly RemovalTarget[], indexed: boolean, left: readonly string[]): CleanReport {
  return {
    id,
    removed: present.map(({ path }) => path),
    bytes: present.reduce((sum, { bytes }) => sum + bytes, 0),
    indexed,
    wasEmpty: present.length === 0 && !indexed,
    left,
  };
}
