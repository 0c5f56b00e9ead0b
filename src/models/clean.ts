import { join } from "node:path";
import type { CacheIndex } from "../cache/index-schema.ts";
import { entriesOf, forgetOwnEntries, ofAnotherConfiguration, ownEntries } from "../cache/index-entries.ts";
import { updateIndex } from "../cache/index-file.ts";
import { quarantineDir, safeFileName } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import { type CacheLayout, type CacheLocation, cacheLayout, configPathOf, pathTargets, type RemovalTarget } from "../layout/index.ts";
import { readIndexFor, type RunContext } from "./context.ts";
import { holdWorkLocks } from "./model-lock.ts";
import { modelPartialDir } from "./partials.ts";

export type CleanReport = {
  readonly id: string;
  /** Absolute paths removed (or that would be, with dryRun). */
  readonly removed: readonly string[];
  readonly bytes: number;
  /** The index had an entry for this model (of this configuration file, see ownEntries). */
  readonly indexed: boolean;
  /** Nothing of this model was in the cache. */
  readonly wasEmpty: boolean;
  /** Where the model would live, left as it is: the index does not record it and model-manager did not write it. */
  readonly left: readonly string[];
  /** Other configuration files that recorded this model id: their entries, and the files those record, stay. */
  readonly keptFor: readonly string[];
};

/**
 * Removes a model's files (plain: its directory and what its entry records in a previous folder;
 * hf: its snapshot, its ref and the blobs no other snapshot links), its partial downloads, its
 * quarantined files and its index entries (those of the configuration file `cache.path`: see
 * ownEntries); never a file another model, or another configuration's entry of the id, records.
 * Waits for a process that is working on the model.
 */
export async function cleanModel(spec: ModelSpec, cache: CacheLocation, context: RunContext, dryRun: boolean): Promise<CleanReport> {
  const layout = cacheLayout(cache);
  const configPath = configPathOf(cache);
  const seen = await readIndexFor(layout.stateRoot, context);
  const before = report(spec.id, targetsOf(spec, layout, seen, configPath), ownEntries(seen, spec.id, configPath).length > 0, leftOf(spec, layout, seen), keptFor(seen, spec.id, configPath));
  if (dryRun || before.wasEmpty) return before;
  await using _lock = await holdWorkLocks(layout, spec, context, cache);
  const current = await readIndexFor(layout.stateRoot, context);
  const present = targetsOf(spec, layout, current, configPath);
  const left = leftOf(spec, layout, current);
  let indexed = false;
  if (ownEntries(current, spec.id, configPath).length > 0) {
    await updateIndex(layout.stateRoot, (index) => {
      indexed = forgetOwnEntries(index, spec.id, configPath);
    });
  }
  for (const target of present) target.remove();
  return report(spec.id, present, indexed, left, keptFor(current, spec.id, configPath));
}

function targetsOf(spec: ModelSpec, layout: CacheLayout, index: CacheIndex, configPath: string | undefined): RemovalTarget[] {
  const { stateRoot } = layout;
  return [
    ...layout.cleanTargets(spec, index, configPath),
    ...pathTargets([modelPartialDir(stateRoot, layout.partialKey(spec)), join(quarantineDir(stateRoot), safeFileName(spec.id))]),
  ];
}

function keptFor(index: CacheIndex, id: string, configPath: string | undefined): string[] {
  return entriesOf(index, id).flatMap((entry) => (entry.configuredBy !== undefined && ofAnotherConfiguration(entry, configPath) ? [entry.configuredBy] : []));
}

function leftOf(spec: ModelSpec, layout: CacheLayout, index: CacheIndex): string[] {
  const folder = layout.unrecordedFolder?.(spec, index);
  return folder ? [folder] : [];
}

function report(id: string, present: readonly RemovalTarget[], indexed: boolean, left: readonly string[], kept: readonly string[]): CleanReport {
  return {
    id,
    removed: present.map(({ path }) => path),
    bytes: present.reduce((sum, { bytes }) => sum + bytes, 0),
    indexed,
    wasEmpty: present.length === 0 && !indexed,
    left,
    keptFor: kept,
  };
}
