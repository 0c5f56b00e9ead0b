/**
 * The standard Hugging Face cache, as huggingface_hub writes and reads it:
 *
 *   <root>/models--org--name/blobs/<etag>                    content, named by sha256 (LFS) or git blob SHA-1
 *   <root>/models--org--name/snapshots/<commit>/<path>       relative symlink to ../../blobs/<etag>
 *   <root>/models--org--name/refs/<revision>                 the commit, no newline
 *   <root>/.locks/model-manager/                              this tool's index, locks, partials, quarantine
 *
 * The tool's state sits inside `.locks/` because scan_cache_dir() skips that folder
 * (any other unknown entry at the root is reported as a corrupted repo), and because
 * it is on the same filesystem as the blobs, so a verified download is renamed into
 * `blobs/` atomically. huggingface_hub's own lock files are `.locks/<repo folder>/<etag>.lock`;
 * "model-manager" has no "--", so it is never a repo folder's name.
 */

import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, type Stats, statSync, symlinkSync, utimesSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { writeFileAtomic } from "../cache/atomic-write.ts";
import { readTextOrUndefined } from "../cache/read-text.ts";
import { entriesBesides, ownEntries } from "../cache/index-entries.ts";
import type { CacheIndex, IndexEntry } from "../cache/index-schema.ts";
import { relativePathProblem, resolveInside, tmpDir } from "../cache/layout.ts";
import { UnsafePathError } from "../errors.ts";
import { isCommitSha } from "../hub/object-id.ts";
import { isTruthy } from "../hub/settings.ts";
import type { ModelSpec } from "../config/types.ts";
import { filesUnder as relativeFilesUnder } from "../models/folder-ownership.ts";
import { locate } from "./file-root.ts";
import { blobLinkTarget, blobName, needsRef, repoFolderName } from "./hf-names.ts";
import { pathTargets } from "./removal.ts";
import type { CacheLayout, FileRoot, ModelPlacement, RemovalResult, RemovalTarget, StoredFile } from "./types.ts";

/** Paths to delete, planned before anything is removed (so --dry-run can show them). */
type Removal = { readonly paths: readonly string[]; readonly pruneUpTo?: string };

export const HF_STATE_PATH = [".locks", "model-manager"] as const;

type Repo = Pick<ModelSpec, "repoId" | "repoType">;

export class HfLayout implements CacheLayout {
  readonly kind = "hf";
  readonly root: string;
  readonly stateRoot: string;
  /** False with HF_HUB_DISABLE_SYMLINKS=1 (huggingface_hub's switch): snapshots then hold copies. */
  private readonly symlinks: boolean;

  constructor(hubCacheDir: string, env: Readonly<Record<string, string | undefined>> = process.env) {
    this.root = resolve(hubCacheDir);
    this.stateRoot = join(this.root, ...HF_STATE_PATH);
    this.symlinks = !isTruthy(env.HF_HUB_DISABLE_SYMLINKS);
  }

  repoDir(repo: Repo): string {
    return resolveInside(this.root, repoFolderName(repo), `repo_id ${repo.repoId}`);
  }

  placement(spec: ModelSpec, commit: string): ModelPlacement {
    const repoDir = this.repoDir(spec);
    const snapshotDir = join(repoDir, "snapshots", commit);
    const blob = (file: StoredFile) => `blobs/${blobName(file)}`;
    const entry = (file: StoredFile) => `snapshots/${commit}/${file.path}`;
    const content: FileRoot = { root: repoDir, relativePath: (file) => (copyHoldsContent(snapshotDir, repoDir, file, this.symlinks) ? entry(file) : blob(file)) };
    return {
      directory: snapshotDir,
      content,
      published: (file) => isLinked(entryPathOrUndefined(snapshotDir, file.path), blobLinkTarget(file.path, blobName(file)), locate(content, file)),
      standalone: (files) => ({
        root: { root: snapshotDir, relativePath: (file) => file.path },
        files: files.filter((file) => content.relativePath(file) !== entry(file) && !isLinkTo(entryPathOrUndefined(snapshotDir, file.path), blobLinkTarget(file.path, blobName(file)))),
      }),
      refProblem: () => (needsRef(spec.revision) ? refProblem(repoDir, spec.revision, commit) : undefined),
      publish: (files) => {
        for (const file of files) linkIntoSnapshot(locate(content, file), entryPath(snapshotDir, file.path, spec.repoId), blobLinkTarget(file.path, blobName(file)), this.symlinks);
        if (needsRef(spec.revision)) writeRef(resolveInside(repoDir, `refs/${spec.revision}`, `revision of ${spec.id}`), commit, this.stateRoot);
      },
      bytesOnDisk: (files) => {
        const blobs = new Set(files.map((file) => locate(content, file)));
        let bytes = 0;
        for (const blob of blobs) bytes += statSync(blob, { throwIfNoEntry: false })?.size ?? 0;
        return bytes;
      },
    };
  }

  modelPath(spec: ModelSpec): string {
    const repoDir = this.repoDir(spec);
    const commit = isCommitSha(spec.revision) ? spec.revision : readRef(repoDir, spec.revision);
    return commit ? join(repoDir, "snapshots", commit) : repoDir;
  }

  partialKey(spec: Pick<ModelSpec, "id">): string {
    return spec.id;
  }

  /**
   * Also the lock named after the model's partial downloads folder: releases before the repository
   * locks named their lock `model-<local_dir>` after the folder they kept partials in, which is this
   * one (its id) when local_dir is left out. So one of those and this one never write the same partial
   * files at once. "model-" sorts before "repo-": both take their locks in one order.
   */
  lockNames(spec: ModelSpec, recorded: IndexEntry | undefined): string[] {
    const repos = recorded ? [spec, recorded] : [spec];
    return [...repos.map((repo) => `repo-${repoFolderName(repo)}`), `model-${this.partialKey(spec)}`];
  }

  sharesContent(entry: IndexEntry, spec: ModelSpec): boolean {
    return sameRepo(entry, spec);
  }

  /** The new snapshot is linked before this runs, so blobs it shares with the old one stay. */
  removeRecorded(spec: ModelSpec, previous: IndexEntry, paths: readonly string[], index: CacheIndex): RemovalResult {
    // A model moved to another repository leaves the old one whole: the hub cache is shared (another
    // configuration using the same model id, Python), and the index cannot tell whether anyone still loads it.
    if (!sameRepo(previous, spec)) return { removed: [], kept: [] };
    const removal = this.planRemoval(previous, paths, entriesBesides(index, spec.id, [previous]));
    const targets = pathTargets(removal.paths, removal.pruneUpTo);
    for (const target of targets) target.remove();
    return { removed: targets.map((target) => target.path), kept: [] };
  }

  /**
   * The snapshot, ref and the blobs no other snapshot links of each entry `configPath` owns; the whole repo
   * folder when nothing else is left in it. Another configuration's snapshot of the id stays.
   */
  cleanTargets(spec: ModelSpec, index: CacheIndex, configPath: string | undefined): RemovalTarget[] {
    const own = ownEntries(index, spec.id, configPath);
    const others = entriesBesides(index, spec.id, own);
    const targets = own.flatMap((entry) => {
      const removal = this.planRemoval(entry, entry.files.map((file) => file.path), others);
      return pathTargets(removal.paths, removal.pruneUpTo);
    });
    return [...new Map(targets.map((target) => [target.path, target])).values()];
  }

  /**
   * What to delete to take `paths` of `entry` out of the cache: their snapshot links (the
   * snapshot folder and our ref when nothing else is in it) and the blobs no other snapshot links.
   * Nothing when a ref no model of the index asks for names the snapshot (huggingface_hub uses it), nor a file another model records.
   */
  private planRemoval(entry: IndexEntry, paths: readonly string[], others: readonly IndexEntry[]): Removal {
    const repoDir = this.repoDir(entry);
    const snapshotDir = join(repoDir, "snapshots", entry.commit);
    const repoEntries = others.filter((other) => sameRepo(other, entry));
    // A ref no model of the index asks for names this snapshot: another tool (huggingface_hub) uses it, leave it whole.
    const ours = new Set([entry.revision, ...repoEntries.map((other) => other.revision)]);
    const refs = refsOf(repoDir);
    if ([...refs].some(([name, commit]) => commit === entry.commit && !ours.has(name))) return { paths: [] };
    const neededByOthers = new Set(repoEntries.filter((other) => other.commit === entry.commit).flatMap((other) => other.files.map((file) => file.path)));
    const byPath = new Map(entry.files.map((file) => [file.path, file]));
    const links = paths.filter((path) => !neededByOthers.has(path)).map((path) => entryPath(snapshotDir, path, `the cache index of ${entry.repoId}`));
    const leaving = new Set(links);
    const snapshotEmptied = filesUnder(snapshotDir).every((path) => leaving.has(path));
    const removed: string[] = snapshotEmptied ? [snapshotDir] : links.filter((link) => lstatSync(link, { throwIfNoEntry: false }));
    // The model's ref goes with the whole model, unless another model asks for the same revision.
    const wholeModel = entry.files.every((file) => paths.includes(file.path));
    const refShared = repoEntries.some((other) => other.revision === entry.revision);
    if (wholeModel && !refShared && refs.get(entry.revision) === entry.commit) removed.push(join(repoDir, "refs", ...entry.revision.split("/")));
    // A blob goes only when no remaining snapshot entry links to it.
    const stillLinked = new Set<string>();
    for (const snapshot of listDir(join(repoDir, "snapshots"))) {
      for (const path of filesUnder(join(repoDir, "snapshots", snapshot))) {
        if (leaving.has(path) || (snapshotEmptied && path.startsWith(snapshotDir + sep))) continue;
        const blob = linkedBlob(path);
        if (blob) stillLinked.add(blob);
      }
    }
    const blobs = new Set<string>();
    for (const path of paths) {
      const file = byPath.get(path);
      if (!file || neededByOthers.has(path)) continue;
      const blob = join(repoDir, "blobs", blobName(file));
      if (!stillLinked.has(blob) && existsSync(blob)) blobs.add(blob);
    }
    if (snapshotEmptied && repoLeftEmpty(repoDir, snapshotDir, blobs, removed)) return { paths: [repoDir] };
    return { paths: [...removed, ...blobs], pruneUpTo: snapshotDir };
  }
}

/**
 * Whether the snapshot file itself holds the content, not blobs/<etag>. With HF_HUB_DISABLE_SYMLINKS,
 * huggingface_hub moves a new download into the snapshot (no blob stays) and copies a blob the cache
 * already has; so there the snapshot file is the content when it is a regular file, or when neither
 * it nor a blob is there yet (the download goes straight to it). With symlinks, a regular file with no
 * blob behind it (a cache filled without symlinks) is the content too: Python reads it as it is.
 * Otherwise the blob is, linked or copied into the snapshot by publish.
 */
function copyHoldsContent(snapshotDir: string, repoDir: string, file: StoredFile, symlinks: boolean): boolean {
  const path = entryPathOrUndefined(snapshotDir, file.path);
  const stats = path === undefined ? undefined : lstatSync(path, { throwIfNoEntry: false });
  // Looked at only when it decides: a snapshot link (the usual entry) needs no second lstat.
  const blobMissing = () => lstatSync(join(repoDir, "blobs", blobName(file)), { throwIfNoEntry: false }) === undefined;
  if (stats?.isFile()) return !symlinks || blobMissing();
  return !stats && !symlinks && blobMissing();
}

/**
 * `snapshotDir/path` for writing or unlinking the entry itself: the folders on the way are
 * checked (no symlink out of the snapshot), the entry may be a link to its blob, even a dangling one.
 */
function entryPath(snapshotDir: string, path: string, source: string): string {
  const problem = relativePathProblem(path);
  if (problem) throw new UnsafePathError(source, path, problem);
  const slash = path.lastIndexOf("/");
  const parent = slash < 0 ? snapshotDir : resolveInside(snapshotDir, path.slice(0, slash), source);
  return join(parent, path.slice(slash + 1));
}

function entryPathOrUndefined(snapshotDir: string, path: string): string | undefined {
  try {
    return entryPath(snapshotDir, path, snapshotDir);
  } catch {
    return undefined;
  }
}

function isLinkTo(entry: string | undefined, target: string): boolean {
  return entry !== undefined && lstatSync(entry, { throwIfNoEntry: false })?.isSymbolicLink() === true && readlinkSync(entry) === target;
}

/** The snapshot entry is the link to its blob, or (no symlinks on this system) the copy made of it. */
function isLinked(entry: string | undefined, target: string, blob: string): boolean {
  const stats = entry === undefined ? undefined : lstatSync(entry, { throwIfNoEntry: false });
  if (!stats || !entry) return false;
  if (stats.isFile()) return isCopyOf(stats, statSync(blob, { throwIfNoEntry: false }));
  return stats.isSymbolicLink() && readlinkSync(entry) === target;
}

/**
 * A copy is made with its blob's mtime: one with another size or mtime was changed since
 * (or put there by another tool) and is copied again, as a plain file with a new mtime is re-checked.
 */
function isCopyOf(copy: Stats, blob: Stats | undefined): boolean {
  return blob !== undefined && copy.size === blob.size && Math.floor(copy.mtimeMs) === Math.floor(blob.mtimeMs);
}

function sameRepo(a: Repo, b: Repo): boolean {
  return a.repoId === b.repoId && a.repoType === b.repoType;
}

/**
 * Points `link` at `target` (relative) unless it already does. The new link is made beside
 * it and renamed over, so a reader sees the old entry or the new one. Where symlinks are
 * impossible (Windows without developer mode) or disabled, the blob is copied, as huggingface_hub does.
 */
function linkIntoSnapshot(blob: string, link: string, target: string, symlinks: boolean): void {
  if (blob === link) return;
  const current = lstatSync(link, { throwIfNoEntry: false });
  if (current?.isSymbolicLink() && readlinkSync(link) === target) return;
  if (!symlinks && current?.isFile() && isCopyOf(current, statSync(blob))) return;
  mkdirSync(dirname(link), { recursive: true });
  const temp = join(dirname(link), `.${basename(link)}.mm-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
  if (!(symlinks && madeSymlink(target, temp))) {
    copyFileSync(blob, temp);
    const blobStats = statSync(blob);
    utimesSync(temp, blobStats.atime, blobStats.mtime);
  }
  try {
    renameSync(temp, link);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** False where the system refuses symlinks (EPERM: Windows without developer mode). */
function madeSymlink(target: string, path: string): boolean {
  try {
    symlinkSync(target, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EPERM") return false;
    throw error;
  }
}

/** refs/<revision> holds the commit with no newline; written through a temp file outside refs/ (scan_cache_dir reads every file there). */
function writeRef(path: string, commit: string, stateRoot: string): void {
  if (readTextOrUndefined(path) === commit) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(tmpDir(stateRoot), `ref-${process.pid}-${crypto.randomUUID().slice(0, 8)}`);
  mkdirSync(dirname(tmp), { recursive: true });
  writeFileAtomic(tmp, commit);
  renameSync(tmp, path);
}

/**
 * huggingface_hub reads a ref as it is (no trim): it must hold exactly a commit whose snapshot exists.
 * Another commit with a snapshot is fine (another tool moved the branch there).
 */
function refProblem(repoDir: string, revision: string, commit: string): string | undefined {
  const name = `refs/${revision}`;
  const text = readTextOrUndefined(refFile(repoDir, revision));
  if (text === undefined) return `${name} is missing`;
  if (text === commit) return undefined;
  if (!isCommitSha(text)) return `${name} is not exactly a commit (it holds ${JSON.stringify(text.length > 50 ? `${text.slice(0, 50)}…` : text)})`;
  return existsSync(join(repoDir, "snapshots", text)) ? undefined : `${name} names commit ${text.slice(0, 12)}, which has no snapshot`;
}

function readRef(repoDir: string, revision: string): string | undefined {
  const text = readTextOrUndefined(refFile(repoDir, revision))?.trim();
  return text && isCommitSha(text) ? text : undefined;
}

function refFile(repoDir: string, revision: string): string {
  return join(repoDir, "refs", ...revision.split("/"));
}

/** Every ref of the repo: name ("main", "refs/pr/1") → commit. */
function refsOf(repoDir: string): Map<string, string> {
  const refsDir = join(repoDir, "refs");
  const refs = new Map<string, string>();
  for (const path of filesUnder(refsDir)) refs.set(relative(refsDir, path).split(sep).join("/"), readTextOrUndefined(path)?.trim() ?? "");
  return refs;
}

/** Files and links under `dir`, recursively (links are not followed), as absolute paths. */
function filesUnder(dir: string): string[] {
  return relativeFilesUnder(dir).map((path) => join(dir, ...path.split("/")));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The absolute blob a snapshot entry links to, or undefined for a regular file. */
function linkedBlob(path: string): string | undefined {
  try {
    return resolve(dirname(path), readlinkSync(path));
  } catch {
    return undefined;
  }
}

/** After the removal, would the repo folder hold nothing: no other snapshot, no other blob, no other ref? */
function repoLeftEmpty(repoDir: string, snapshotDir: string, blobs: ReadonlySet<string>, removed: readonly string[]): boolean {
  const going = new Set(removed);
  const otherSnapshots = listDir(join(repoDir, "snapshots")).filter((name) => join(repoDir, "snapshots", name) !== snapshotDir);
  const otherBlobs = listDir(join(repoDir, "blobs")).filter((name) => !blobs.has(join(repoDir, "blobs", name)));
  const otherRefs = filesUnder(join(repoDir, "refs")).filter((path) => !going.has(path));
  const otherEntries = listDir(repoDir).filter((name) => !["snapshots", "blobs", "refs"].includes(name));
  return otherSnapshots.length === 0 && otherBlobs.length === 0 && otherRefs.length === 0 && otherEntries.length === 0;
}
