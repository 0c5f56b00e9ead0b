import { existsSync } from "node:fs";
import { ofAnotherConfiguration } from "../cache/index-entries.ts";
import type { CacheIndex, IndexEntry } from "../cache/index-schema.ts";
import { type CacheLayout, type CacheLocation, cacheLayout, configPathOf } from "../layout/index.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import { type Logger, silentLogger } from "../output/logger.ts";
import { readIndexFor } from "./context.ts";
import { listModelPartials } from "./partials.ts";
import { changedFiles, entryMatchesSpec, recordedEntry } from "./records.ts";

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
  return modelState(spec, layout, index, configPathOf(cache)).status === "cached";
}

/**
 * Seed API: where the model's files are (or will be). With layout hf, the snapshot folder of
 * the commit its revision names (recorded in refs/); before the first download, the repo folder.
 */
export function getModelPath(spec: ModelSpec, cache: CacheLocation): string {
  return cacheLayout(cache).modelPath(spec);
}

/** `configPath`: the configuration file asking (see recordedEntry). */
export function modelState(spec: ModelSpec, layout: CacheLayout, index: CacheIndex, configPath: string | undefined): ModelState {
  const entry = recordedEntry(index, spec, layout, configPath);
  const partialFiles = listModelPartials(layout.stateRoot, layout.partialKey(spec)).length;
  if (entryMatchesSpec(entry, spec, selectionFingerprint(spec), layout)) {
    const placement = layout.placement(spec, entry.commit);
    const directory = placement.directory;
    const changed = changedFiles(placement, entry).length;
    const problem = placement.refProblem?.();
    return { status: changed === 0 && !problem ? "cached" : "modified", entry, directory, changedFiles: changed, partialFiles, ...(problem && { problem }) };
  }
  const directory = layout.modelPath(spec);
  // Another configuration's entry of the id, at another revision, says nothing about this configuration's copy.
  const own = entry && !ofAnotherConfiguration(entry, configPath) ? entry : undefined;
  if (partialFiles > 0) return { status: "partial", entry: own, directory, changedFiles: 0, partialFiles };
  if (own && existsSync(directory)) return { status: "outdated", entry: own, directory, changedFiles: 0, partialFiles };
  return { status: "missing", entry: own, directory, changedFiles: 0, partialFiles };
}
