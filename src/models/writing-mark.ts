/**
 * The mark that model-manager is placing files in a model folder the cache index does not record
 * yet. The index entry is written only once a model is complete, so a first download cut short
 * leaves files in a folder nothing else says the tool wrote; this mark says it, and lets --clean
 * remove such a folder while leaving alone one that only happens to be where a model would go.
 * It sits beside the folder's partial downloads (a name safeFileName never produces), so it
 * travels with the cache and goes with --clean.
 */

import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { modelPartialDir } from "./partials.ts";

function markPath(stateRoot: string, partialKey: string): string {
  return join(modelPartialDir(stateRoot, partialKey), ".writing");
}

/** Before the first file of a model is placed in its folder. */
export function markWriting(stateRoot: string, partialKey: string): void {
  mkdirSync(modelPartialDir(stateRoot, partialKey), { recursive: true });
  writeFileSync(markPath(stateRoot, partialKey), "");
}

/** Once the index records the model in its folder. */
export function clearWritingMark(stateRoot: string, partialKey: string): void {
  rmSync(markPath(stateRoot, partialKey), { force: true });
}

/** model-manager placed files in this model folder that the index does not record yet. */
export function hasWritingMark(stateRoot: string, partialKey: string): boolean {
  return existsSync(markPath(stateRoot, partialKey));
}
