import { readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { partialDir, safeFileName } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import { readPartialState } from "../transfer/partial-state.ts";
import { RangeSet } from "../transfer/range-set.ts";

/** Partial downloads of one model live together, so --clean-model and --list can find them. */
export function modelPartialDir(cacheDir: string, spec: Pick<ModelSpec, "localDir">): string {
  return join(partialDir(cacheDir), safeFileName(spec.localDir));
}

export function modelPartialPaths(cacheDir: string, spec: Pick<ModelSpec, "localDir">, filePath: string): { partialPath: string; statePath: string } {
  const base = join(modelPartialDir(cacheDir, spec), safeFileName(filePath));
  return { partialPath: `${base}.part`, statePath: `${base}.state.json` };
}

/** Names of the partial files of a model (without their state files). */
export function listModelPartials(cacheDir: string, spec: Pick<ModelSpec, "localDir">): string[] {
  try {
    return readdirSync(modelPartialDir(cacheDir, spec)).filter((name) => name.endsWith(".part"));
  } catch {
    return [];
  }
}

/** How far a model's interrupted downloads got: bytes their resume state records, of the files' full size. */
export function modelPartialProgress(cacheDir: string, spec: Pick<ModelSpec, "localDir">): { readonly bytes: number; readonly size: number } {
  let bytes = 0;
  let size = 0;
  for (const name of listModelPartials(cacheDir, spec)) {
    const state = readPartialState(join(modelPartialDir(cacheDir, spec), name.replace(/\.part$/, ".state.json")));
    if (!state) continue;
    bytes += Math.min(state.size, new RangeSet(state.done).totalBytes);
    size += state.size;
  }
  return { bytes, size };
}

export function removeModelPartialsIfEmpty(cacheDir: string, spec: Pick<ModelSpec, "localDir">): void {
  try {
    rmdirSync(modelPartialDir(cacheDir, spec));
  } catch {
    // Not empty (another file is still partial) or already gone.
  }
}
