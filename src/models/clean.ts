import { lstatSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { CacheIndex } from "../cache/index-schema.ts";
import { readIndex, updateIndex } from "../cache/index-file.ts";
import { modelDir, quarantineDir, safeFileName } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import type { RunContext } from "./context.ts";
import { diskUsage } from "./disk-usage.ts";
import { filesOfOtherModels, filesUnder, holdsProtected, removeFilesExcept } from "./folder-ownership.ts";
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
};

/** Something to remove: a whole folder, or files of a folder another model also uses. */
type Target = { readonly path: string; readonly bytes: number; readonly remove: () => void };

/**
 * Removes a model's directory, the files its index entry records in a previous
 * folder (after a local_dir change), its partial downloads, its quarantined
 * files and its index entry; never a file another model records. Waits for a
 * process that is working on the model.
 */
export async function cleanModel(spec: ModelSpec, cacheDir: string, context: RunContext, dryRun: boolean): Promise<CleanReport> {
  const read = () => readIndex(cacheDir, { onWarning: (warning) => context.logger.warn(warning.message) });
  const before = report(spec.id, targetsOf(spec, cacheDir, await read()), (await read()).models[spec.id] !== undefined);
  if (dryRun || before.wasEmpty) return before;
  await using _lock = await holdWorkLocks(cacheDir, spec, context);
  const present = targetsOf(spec, cacheDir, await read());
  let indexed = false;
  if ((await read()).models[spec.id] !== undefined) {
    await updateIndex(cacheDir, (index) => {
      indexed = index.models[spec.id] !== undefined;
      delete index.models[spec.id];
    });
  }
  for (const target of present) target.remove();
  return report(spec.id, present, indexed);
}

function targetsOf(spec: ModelSpec, cacheDir: string, index: CacheIndex): Target[] {
  const others = filesOfOtherModels(cacheDir, index, spec.id);
  const source = `the cache index of ${spec.id}`;
  const targets: Target[] = [];
  const directory = modelDir(cacheDir, spec);
  if (holdsProtected(directory, others)) {
    // Another model records files inside this folder (a shared or nested local_dir): remove only the rest.
    targets.push(...fileTargets(directory, filesUnder(directory), others, source));
  } else {
    targets.push(...folderTargets([directory]));
  }
  const entry = index.models[spec.id];
  if (entry && entry.localDir !== spec.localDir) {
    const previous = modelDir(cacheDir, { id: spec.id, localDir: entry.localDir });
    targets.push(...fileTargets(previous, entry.files.map((file) => file.path), others, source));
  }
  targets.push(...folderTargets([modelPartialDir(cacheDir, spec), join(quarantineDir(cacheDir), safeFileName(spec.id))]));
  return targets;
}

function folderTargets(paths: readonly string[]): Target[] {
  return paths
    .map((path) => ({ path, usage: diskUsage(path) }))
    .filter(({ usage }) => usage.files > 0 || usage.bytes > 0)
    .map(({ path, usage }) => ({ path, bytes: usage.bytes, remove: () => rmSync(path, { recursive: true, force: true }) }));
}

function fileTargets(root: string, paths: readonly string[], others: ReadonlySet<string>, source: string): Target[] {
  return paths.flatMap((path) => {
    const absolute = join(root, ...path.split("/"));
    const stats = lstatSync(absolute, { throwIfNoEntry: false });
    if (!stats || stats.isDirectory() || others.has(absolute)) return [];
    return [{ path: absolute, bytes: stats.isFile() ? stats.size : 0, remove: () => removeFilesExcept(root, [path], others, source) }];
  });
}

function report(id: string, present: readonly Target[], indexed: boolean): CleanReport {
  return {
    id,
    removed: present.map(({ path }) => path),
    bytes: present.reduce((sum, { bytes }) => sum + bytes, 0),
    indexed,
    wasEmpty: present.length === 0 && !indexed,
  };
}
