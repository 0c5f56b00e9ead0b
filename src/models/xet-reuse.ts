import { everyEntry } from "../cache/index-entries.ts";
import type { CacheIndex, IndexEntry, IndexedFile } from "../cache/index-schema.ts";
import { locate } from "../layout/file-root.ts";
import type { CacheLayout, FileRoot } from "../layout/types.ts";
import { type CachedXetFile, ChunkCatalog, fromStored } from "../transfer/xet/chunk-map.ts";
import type { WorkPlan } from "./ensure.ts";
import { fileUnchanged } from "./records.ts";

/**
 * The chunks of Xet files already in the cache (recorded in the index), for a download to copy
 * instead of fetching: this model's previous revision first (a `--refresh`, a changed `revision:`,
 * the lock), then every other entry's files (other models, and this id for other configuration files).
 * Only files still as they were recorded (a regular file, size and mtime) are offered; the new file's
 * sha256 checks the copied bytes like the fetched ones.
 */
export function reusableXetChunks(plan: WorkPlan, layout: CacheLayout, index: CacheIndex): ChunkCatalog | undefined {
  const seen = new Set<string>();
  const files: CachedXetFile[] = [];
  const offer = (root: FileRoot, file: IndexedFile) => {
    // The same test as for the cached model itself: whole-second mtimes after a tar restore still count as unchanged.
    if (!file.xetChunks || !fileUnchanged(root, file)) return;
    const path = locate(root, file);
    if (seen.has(path)) return;
    seen.add(path);
    files.push({ path, size: file.size, mtimeMs: file.mtimeMs, runs: fromStored(file.xetChunks) });
  };
  for (const file of plan.previous?.files ?? []) offer(plan.placement.content, file);
  for (const { id, entry } of everyEntry(index)) {
    if (!entry.files.some((file) => file.xetChunks)) continue;
    const other = layout.placement(specOf(id, entry), entry.commit).content;
    for (const file of entry.files) offer(other, file);
  }
  const catalog = new ChunkCatalog(files);
  return catalog.isEmpty ? undefined : catalog;
}

/** Enough of a model's configuration to find where the layout put its recorded files. */
function specOf(id: string, entry: IndexEntry) {
  return { id, repoId: entry.repoId, repoType: entry.repoType, revision: entry.revision, localDir: entry.localDir, exclude: [] };
}

