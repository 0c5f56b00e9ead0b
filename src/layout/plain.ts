/** The seed's layout: `<cache_dir>/<local_dir>/<path>`, tool state beside it (see src/cache/layout.ts). */

import { lstatSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { entriesBesides, entriesOf, ownEntries, sameSlot } from "../cache/index-entries.ts";
import type { CacheIndex, IndexEntry } from "../cache/index-schema.ts";
import { lstatExisting, modelDir } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import { diskUsage } from "../models/disk-usage.ts";
import { filesOfOtherModels, filesUnder, holdsProtected, recordedPath, removeFilesExcept } from "../models/folder-ownership.ts";
import { hasWritingMark } from "../models/writing-mark.ts";
import { folderRoot } from "./file-root.ts";
import { pathTargets } from "./removal.ts";
import type { CacheLayout, ModelPlacement, RemovalResult, RemovalTarget, StoredFile } from "./types.ts";

export class PlainLayout implements CacheLayout {
  readonly kind = "plain";
  readonly root: string;
  /** The index and `.model-manager/` sit in cache_dir itself. */
  readonly stateRoot: string;

  constructor(cacheDir: string) {
    this.root = resolve(cacheDir);
    this.stateRoot = this.root;
  }

  placement(spec: ModelSpec): ModelPlacement {
    const directory = modelDir(this.root, spec);
    return { directory, content: folderRoot(directory), published: () => true, publish: () => {}, bytesOnDisk: () => diskUsage(directory).bytes };
  }

  modelPath(spec: ModelSpec): string {
    return modelDir(this.root, spec);
  }

  partialKey(spec: Pick<ModelSpec, "localDir">): string {
    return spec.localDir;
  }

  lockNames(spec: ModelSpec, recorded: IndexEntry | undefined): string[] {
    return [spec, ...(recorded ? [recorded] : [])].map((model) => `model-${model.localDir}`);
  }

  sharesContent(entry: IndexEntry, spec: ModelSpec): boolean {
    return entry.localDir === spec.localDir;
  }

  removeRecorded(spec: ModelSpec, previous: IndexEntry, paths: readonly string[], index: CacheIndex, current: readonly StoredFile[]): RemovalResult {
    // Only from a folder the model still owns: another run may already have moved it on.
    if (sameSlot(index, spec.id, previous)?.localDir !== previous.localDir) return { removed: [], kept: [] };
    const protect = filesOfOtherModels(this.root, entriesBesides(index, spec.id, [previous]));
    for (const file of current) protect.add(recordedPath(this.root, spec.localDir, file.path));
    const from = modelDir(this.root, { id: spec.id, localDir: previous.localDir });
    const { removed, kept } = removeFilesExcept(from, paths, protect, `the cache index of ${spec.id}`);
    return { removed, kept };
  }

  /** The model's folder, and the files its entries record in a previous folder (after a local_dir change). */
  cleanTargets(spec: ModelSpec, index: CacheIndex, configPath: string | undefined): RemovalTarget[] {
    const own = ownEntries(index, spec.id, configPath);
    const others = filesOfOtherModels(this.root, entriesBesides(index, spec.id, own));
    const source = `the cache index of ${spec.id}`;
    const targets: RemovalTarget[] = [];
    const directory = modelDir(this.root, spec);
    // A folder model-manager did not write (see unrecordedFolder) is left whole.
    if (this.wrote(spec, own)) {
      // Another model records files inside this folder (a shared or nested local_dir): remove only the rest.
      if (holdsProtected(directory, others)) targets.push(...fileTargets(directory, filesUnder(directory), others, source));
      else targets.push(...pathTargets([directory]));
    }
    for (const entry of own) {
      if (entry.localDir === spec.localDir) continue;
      const previous = modelDir(this.root, { id: spec.id, localDir: entry.localDir });
      targets.push(...fileTargets(previous, entry.files.map((file) => file.path), others, source));
    }
    return targets;
  }

  unrecordedFolder(spec: ModelSpec, index: CacheIndex): string | undefined {
    if (this.wrote(spec, entriesOf(index, spec.id))) return undefined;
    const directory = modelDir(this.root, spec);
    // Not walked: such a folder may be large (a home folder's Documents).
    const stats = lstatExisting(directory);
    return stats && (!stats.isDirectory() || readdirSync(directory).length > 0) ? directory : undefined;
  }

  /** One of `entries` records the model in its folder, or model-manager is placing its files there (a first download cut short). */
  private wrote(spec: ModelSpec, entries: readonly IndexEntry[]): boolean {
    return entries.some((entry) => entry.localDir === spec.localDir) || hasWritingMark(this.root, this.partialKey(spec));
  }
}

function fileTargets(root: string, paths: readonly string[], others: ReadonlySet<string>, source: string): RemovalTarget[] {
  return paths.flatMap((path) => {
    const absolute = join(root, ...path.split("/"));
    const stats = lstatSync(absolute, { throwIfNoEntry: false });
    if (!stats || stats.isDirectory() || others.has(absolute)) return [];
    return [{ path: absolute, bytes: stats.isFile() ? stats.size : 0, remove: () => removeFilesExcept(root, [path], others, source) }];
  });
}
