import { lstatSync } from "node:fs";
import { entryFor } from "../cache/index-entries.ts";
import type { CacheIndex, IndexedFile, IndexEntry } from "../cache/index-schema.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import { type CacheLayout, type FileRoot, locate, type ModelPlacement } from "../layout/index.ts";
import type { ModelSpec, VerifyLevel } from "../config/types.ts";
import type { RemoteFile } from "../hub/api.ts";
import type { PlacedFile } from "../transfer/download-file.ts";

const LEVEL_RANK: Record<VerifyLevel, number> = { none: 0, size: 1, sha256: 2 };

/** True when files verified at `have` satisfy a requirement of `want`. */
export function levelSatisfies(have: VerifyLevel, want: VerifyLevel): boolean {
  return LEVEL_RANK[have] >= LEVEL_RANK[want];
}

export function strongerLevel(a: VerifyLevel, b: VerifyLevel): VerifyLevel {
  return LEVEL_RANK[a] >= LEVEL_RANK[b] ? a : b;
}

/**
 * The index entry was made for this exact request (repo, type, revision, selection) in the same place:
 * plain, the same local_dir; hf, where local_dir has no effect, any (an entry recorded with another one still serves).
 */
export function entryMatchesSpec(entry: IndexEntry | undefined, spec: ModelSpec, selection: string, layout: Pick<CacheLayout, "sharesContent">): entry is IndexEntry {
  return (
    entry !== undefined &&
    entry.repoId === spec.repoId &&
    entry.repoType === spec.repoType &&
    entry.revision === spec.revision &&
    entry.selection === selection &&
    layout.sharesContent(entry, spec)
  );
}

/**
 * The entry of `index` a run of `spec` from the configuration file `configPath` works from (see entryFor):
 * one that matches the spec wins over another configuration's entry of the same id.
 */
export function recordedEntry(index: CacheIndex, spec: ModelSpec, layout: Pick<CacheLayout, "sharesContent">, configPath: string | undefined): IndexEntry | undefined {
  const selection = selectionFingerprint(spec);
  return entryFor(index, spec.id, configPath, (entry) => entryMatchesSpec(entry, spec, selection, layout));
}

/** The file is where it was written, with the size and mtime it had then. No content is read. */
export function fileUnchanged(where: string | FileRoot, file: IndexedFile): boolean {
  try {
    // lstat: a file swapped for a link to a copy with the same size and mtime is still a change.
    const stats = lstatSync(locate(where, file));
    return stats.isFile() && stats.size === file.size && sameMtime(stats.mtimeMs, file.mtimeMs);
  } catch {
    return false;
  }
}

/**
 * Equal mtimes, or the same whole second when either side has no sub-second
 * part: tar (actions/cache, docker cp, image layers), zip and some filesystems
 * keep whole seconds, so a restored cache would otherwise look modified and be
 * re-hashed on every run. A real edit in the same second as the write still
 * differs on a filesystem that keeps the fraction, which is where edits happen.
 */
function sameMtime(onDisk: number, recorded: number): boolean {
  if (onDisk === recorded) return true;
  if (onDisk % 1000 !== 0 && recorded % 1000 !== 0) return false;
  return Math.floor(onDisk / 1000) === Math.floor(recorded / 1000);
}

/** Files whose content changed since written, or that no longer appear where readers look (hf: a snapshot link gone). */
export function changedFiles(placement: Pick<ModelPlacement, "content" | "published">, entry: IndexEntry): IndexedFile[] {
  return entry.files.filter((file) => !fileUnchanged(placement.content, file) || !placement.published(file));
}

export function toRemoteFile(file: IndexedFile): RemoteFile {
  return { path: file.path, size: file.size, oid: file.oid, lfsSha256: file.lfs ? file.sha256 : undefined };
}

/** What the index records about a file from the Hub, once it is on disk. */
export function toIndexedFile(remote: RemoteFile, onDisk: { sha256?: string; mtimeMs: number }): IndexedFile {
  const sha256 = remote.lfsSha256 ?? onDisk.sha256;
  return {
    path: remote.path,
    size: remote.size,
    lfs: remote.lfsSha256 !== undefined,
    oid: remote.oid,
    ...(sha256 ? { sha256 } : {}),
    mtimeMs: onDisk.mtimeMs,
  };
}

export function indexedFromPlaced(remote: RemoteFile, placed: PlacedFile): IndexedFile {
  return { ...toIndexedFile(remote, placed), ...(placed.xetChunks ? { xetChunks: placed.xetChunks } : {}) };
}

/** Same content identity: what the Hub says the file is. */
export function sameContent(a: RemoteFile, b: IndexedFile): boolean {
  return a.size === b.size && a.oid === b.oid && (a.lfsSha256 ?? undefined) === (b.lfs ? b.sha256 : undefined);
}
