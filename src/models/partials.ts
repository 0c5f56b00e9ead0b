import { readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { partialDir, safeFileName } from "../cache/layout.ts";
import { readPartialState } from "../transfer/partial-state.ts";
import { RangeSet } from "../transfer/range-set.ts";

/**
 * Partial downloads of one model live together, so --clean-model and --list can find them;
 * `key` names the model's folder there (CacheLayout.partialKey).
 */
export function modelPartialDir(cacheDir: string, key: string): string {
  return join(partialDir(cacheDir), safeFileName(key));
}

export function modelPartialPaths(cacheDir: string, key: string, filePath: string): { partialPath: string; statePath: string } {
  const base = join(modelPartialDir(cacheDir, key), safeFileName(filePath));
  return { partialPath: `${base}.part`, statePath: `${base}.state.json` };
}

/** Names of the partial files of a model (without their state files). */
export function listModelPartials(cacheDir: string, key: string): string[] {
  try {
    return readdirSync(modelPartialDir(cacheDir, key)).filter((name) => name.endsWith(".part"));
  } catch {
    return [];
  }
}

/** How far a model's interrupted downloads got: bytes their resume state records, of the files' full size. */
export function modelPartialProgress(cacheDir: string, key: string): { readonly bytes: number; readonly size: number } {
  let bytes = 0;
  let size = 0;
  for (const name of listModelPartials(cacheDir, key)) {
    const state = readPartialState(join(modelPartialDir(cacheDir, key), name.replace(/\.part$/, ".state.json")));
    if (!state) continue;
    bytes += Math.min(state.size, new RangeSet(state.done).totalBytes);
    size += state.size;
  }
  return { bytes, size };
}

export function removeModelPartialsIfEmpty(cacheDir: string, key: string): void {
  try {
    rmdirSync(modelPartialDir(cacheDir, key));
  } catch {
    // Not empty (another file is still partial) or already gone.
  }
}
