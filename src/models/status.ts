import { existsSync } from "node:fs";
import type { CacheIndex, IndexEntry } from "../cache/index-schema.ts";
import { readIndex } from "../cache/index-file.ts";
import { modelDir } from "../cache/layout.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import { listModelPartials } from "./partials.ts";
import { changedFiles, entryMatchesSpec } from "./records.ts";

/**
 * cached: recorded for this exact configuration, every file untouched.
 * modified: recorded, but files were changed or removed since.
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
};

/** Seed API: true only when the index entry matches the spec and every file is as it was written. No network. */
export async function isCached(spec: ModelSpec, cacheDir: string): Promise<boolean> {
  const index = await readIndex(cacheDir);
  return modelState(spec, cacheDir, index).status === "cached";
}

/** Seed API: where the model's files are (or will be). */
export function getModelPath(spec: Pick<ModelSpec, "id" | "localDir">, cacheDir: string): string {
  return modelDir(cacheDir, spec);
}

export function modelState(spec: ModelSpec, cacheDir: string, index: CacheIndex): ModelState {
  const directory = modelDir(cacheDir, spec);
  const entry = index.models[spec.id];
  const partialFiles = listModelPartials(cacheDir, spec).length;
  if (entryMatchesSpec(entry, spec, selectionFingerprint(spec))) {
    const changed = changedFiles(directory, entry).length;
    return { status: changed === 0 ? "cached" : "modified", entry, directory, changedFiles: changed, partialFiles };
  }
  if (partialFiles > 0) return { status: "partial", entry, directory, changedFiles: 0, partialFiles };
  if (entry && existsSync(directory)) return { status: "outdated", entry, directory, changedFiles: 0, partialFiles };
  return { status: "missing", entry, directory, changedFiles: 0, partialFiles };
}
