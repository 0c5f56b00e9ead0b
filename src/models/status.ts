import { existsSync } from "node:fs";
import type { CacheIndex, IndexEntry } from "../cache/index-schema.ts";
import { type CacheLayout, type CacheLocation, cacheLayout } from "../layout/index.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import { type Logger, silentLogger } from "../output/logger.ts";
import { readIndexFor } from "./context.ts";
import { listModelPartials } from "./partials.ts";
import { changedFiles, entryMatchesSpec } from "./records.ts";

/**
 * cached: recorded for this exact configuration, every file untouched.
 * modified: recorded, but files were changed or removed since, or (hf) refs/<revision> cannot be followed (`problem` says why).
 * outdated: recorded for another revision or file selection.
 * partial: an interrupted download is waiting to resume.
 * missing: nothing in the cache.
 */
export type ModelStatus = "cached" | "modified" | "outdated" | "partial" | "missing";

export type ModelState = {
  readonly status: ModelStatus;
  readonly entry?: IndexEntry;
  readonly directory: string;
  readonly changedFiles: number;
  readonly partialFiles: number;
  /** Why a recorded model whose files are untouched cannot be loaded as it is (hf: its ref). */
  readonly problem?: string;
};

/**
 * Seed API: true only when the index entry matches the spec and every file is as it was written. No network.
 * `cache` is the cache folder, or `{ cacheDir, layout }` of a configuration (layout hf).
 * A bad index is reported on `options.logger` (and read as empty, see readIndex).
 */
export async function isCached(spec: ModelSpec, cache: CacheLocation, options: { readonly logger?: Logger } = {}): Promise<boolean> {
  const layout = cacheLayout(cache);
  const index = await readIndexFor(layout.stateRoot, { logger: options.logger ?? silentLogger });
  return modelState(spec, layout, index).status === "cached";
}

/**
 * Seed API: where the model's files are (or will be). With layout hf, the snapshot folder of
 * the commit its revision names (recorded in refs/); before the first download, the repo folder.
 */
export function getModelPath(spec: ModelSpec, cache: CacheLocation): string {
  return cacheLayout(cache).modelPath(spec);
}

export function modelState(spec: ModelSpec, layout: CacheLayout, index: CacheIndex): ModelState {
  const entry = index.models[spec.id];
  const partialFiles = listModelPartials(layout.stateRoot, layout.partialKey(spec)).length;
  if (entryMatchesSpec(entry, spec, selectionFingerprint(spec), layout)) {
    const placement = layout.placement(spec, entry.commit);
    const directory = placement.directory;
    const changed = changedFiles(placement, entry).length;
    const problem = placement.refProblem?.();
    return { status: changed === 0 && !problem ? "cached" : "modified", entry, directory, changedFiles: changed, partialFiles, ...(problem && { problem }) };
  }
  const directory = layout.modelPath(spec);
  if (partialFiles > 0) return { status: "partial", entry, directory, changedFiles: 0, partialFiles };
  if (entry && existsSync(directory)) return { status: "outdated", entry, directory, changedFiles: 0, partialFiles };
  return { status: "missing", entry, directory, changedFiles: 0, partialFiles };
}
