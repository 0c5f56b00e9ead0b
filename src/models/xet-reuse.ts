import { statSync } from "node:fs";
import { join } from "node:path";
import { ChunkCatalog, fromStored } from "../transfer/xet/chunk-map.ts";
import type { WorkPlan } from "./ensure.ts";

/**
 * The chunks of the Xet files this model's previous download placed (recorded in the index), for a
 * new revision to copy instead of fetching: a `--refresh`, a changed `revision:`, or the lock. Only
 * files still as they were recorded (size and mtime) are offered; the new file's sha256 checks the rest.
 */
export function reusableXetChunks(plan: WorkPlan): ChunkCatalog | undefined {
  const { content } = plan.placement;
  const files = (plan.previous?.files ?? []).flatMap((file) => {
    if (!file.xetChunks) return [];
    const path = join(content.root, content.relativePath(file));
    const onDisk = statOf(path);
    if (!onDisk || onDisk.size !== file.size || onDisk.mtimeMs !== file.mtimeMs) return [];
    return [{ path, size: file.size, mtimeMs: file.mtimeMs, runs: fromStored(file.xetChunks) }];
  });
  const catalog = new ChunkCatalog(files);
  return catalog.isEmpty ? undefined : catalog;
}

function statOf(path: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
