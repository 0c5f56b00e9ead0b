import { rmSync } from "node:fs";
import { join } from "node:path";
import { readIndex, updateIndex } from "../cache/index-file.ts";
import { quarantineDir, safeFileName } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import type { RunContext } from "./context.ts";
import { diskUsage } from "./disk-usage.ts";
import { holdModelLock } from "./model-lock.ts";
import { modelPartialDir } from "./partials.ts";
import { getModelPath } from "./status.ts";

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

/**
 * Removes a model's directory, its partial downloads, its quarantined files
 * and its index entry. Waits for a process that is working on the model.
 */
export async function cleanModel(spec: ModelSpec, cacheDir: string, context: RunContext, dryRun: boolean): Promise<CleanReport> {
  const targets = [getModelPath(spec, cacheDir), modelPartialDir(cacheDir, spec), join(quarantineDir(cacheDir), safeFileName(spec.id))];
  const measure = () => targets.map((path) => ({ path, usage: diskUsage(path) })).filter(({ usage }) => usage.files > 0 || usage.bytes > 0);
  const isIndexed = async () => (await readIndex(cacheDir, { onWarning: (warning) => context.logger.warn(warning.message) })).models[spec.id] !== undefined;
  const before = report(spec.id, measure(), await isIndexed());
  if (dryRun || before.wasEmpty) return before;
  await using _lock = await holdModelLock(cacheDir, spec, context);
  const present = measure();
  let indexed = false;
  if (await isIndexed()) {
    await updateIndex(cacheDir, (index) => {
      indexed = index.models[spec.id] !== undefined;
      delete index.models[spec.id];
    });
  }
  for (const { path } of present) rmSync(path, { recursive: true, force: true });
  return report(spec.id, present, indexed);
}

function report(id: string, present: ReadonlyArray<{ path: string; usage: { bytes: number } }>, indexed: boolean): CleanReport {
  return {
    id,
    removed: present.map(({ path }) => path),
    bytes: present.reduce((sum, { usage }) => sum + usage.bytes, 0),
    indexed,
    wasEmpty: present.length === 0 && !indexed,
  };
}
