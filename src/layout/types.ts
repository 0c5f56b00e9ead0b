/**
 * Where a model's files live on disk. Two layouts share one interface, so the
 * plan/execute flow (src/models/ensure.ts) and the cache commands never branch on the layout:
 *   plain: `<cache_dir>/<local_dir>/<path>`, the seed's folders (src/cache/layout.ts);
 *   hf:    the standard Hugging Face cache (`models--org--name/{blobs,snapshots,refs}`).
 */

import type { CacheIndex, IndexEntry, IndexedFile } from "../cache/index-schema.ts";
import type { ModelSpec } from "../config/types.ts";

export { LAYOUTS, type LayoutKind } from "../config/types.ts";
import type { LayoutKind } from "../config/types.ts";

/** What identifies a file's content: an index record, or what the Hub listed (converted with toIndexedFile). */
export type StoredFile = Pick<IndexedFile, "path" | "oid" | "lfs" | "sha256">;

/** A folder and how each file maps to a "/"-separated path under it (resolved with resolveInside). */
export type FileRoot = {
  readonly root: string;
  readonly relativePath: (file: StoredFile) => string;
};

/** One model at one commit. */
export interface ModelPlacement {
  /** What getModelPath returns and results report: the model folder (plain) or the snapshot folder (hf). */
  readonly directory: string;
  /** Where the bytes of each file are: hashed by verification, replaced by downloads. hf: `blobs/<etag>`. */
  readonly content: FileRoot;
  /** The file appears where readers look for it (hf: its snapshot link points at its blob); plain: always. */
  published(file: StoredFile): boolean;
  /**
   * hf: the snapshot entries readers open that are not the link to their content (a copy, a
   * foreign link, a file put there by hand), to be checked as files themselves; plain: none.
   */
  readonly standalone?: <F extends StoredFile>(files: readonly F[]) => { readonly root: FileRoot; readonly files: F[] };
  /**
   * hf: what is wrong with refs/<revision>, which Python follows to the snapshot, when it is missing or
   * unusable (not exactly a commit, as with a trailing newline, or a commit with no snapshot); the next publish writes it.
   */
  readonly refProblem?: () => string | undefined;
  /** Makes verified content visible under `directory` (hf: snapshot links and refs/<revision>); plain: nothing to do. */
  publish(files: readonly StoredFile[]): void;
  /** Bytes the given files take on disk, each content counted once. */
  bytesOnDisk(files: readonly StoredFile[]): number;
}

/** Something --clean-model removes: a folder, a file, a link; measured before it goes (for --dry-run). */
export type RemovalTarget = { readonly path: string; readonly bytes: number; readonly remove: () => void };

export type RemovalResult = {
  readonly removed: readonly string[];
  /** Left in place because another model records them. */
  readonly kept: readonly string[];
};

export interface CacheLayout {
  readonly kind: LayoutKind;
  /** cache_dir, or the Hugging Face hub cache. */
  readonly root: string;
  /** The folder the index, locks, partial downloads and quarantine live under (the `cacheDir` of src/cache/layout.ts). */
  readonly stateRoot: string;
  placement(spec: ModelSpec, commit: string): ModelPlacement;
  /** Without an index entry: where the model is or will be (hf: the snapshot its ref names, else the repo folder). */
  modelPath(spec: ModelSpec): string;
  /**
   * The name of the model's folder of partial downloads under stateRoot: plain, its local_dir
   * (the folder its files go to); hf, its id (local_dir has no effect there, and two models may share one).
   */
  partialKey(spec: Pick<ModelSpec, "id" | "localDir">): string;
  /**
   * The locks a run or --clean of `spec` holds, named after what it writes: plain, its folder and the
   * previous one `recorded` names; hf, the repository folders (spec's and recorded's), which every
   * model of that repository shares (blobs, refs), so those models take turns.
   */
  lockNames(spec: ModelSpec, recorded: IndexEntry | undefined): string[];
  /** True when files recorded by `entry` can be reused for `spec` without moving them (plain: the same local_dir; hf: the same repository). */
  sharesContent(entry: IndexEntry, spec: ModelSpec): boolean;
  /**
   * After `spec` was placed with `current` files: removes `paths` that `previous` recorded
   * (files no longer selected, or the previous folder or snapshot), keeping whatever another
   * entry of `index` records (another model, or this id for another configuration file), what
   * `current` uses, and (hf) what another tool's ref names.
   */
  removeRecorded(spec: ModelSpec, previous: IndexEntry, paths: readonly string[], index: CacheIndex, current: readonly StoredFile[]): RemovalResult;
  /**
   * The model's files for --clean-model from the configuration file `configPath` (not its partial downloads
   * or quarantine): what its own entries record (see ownEntries), never what another entry records (another
   * model, or this id for another configuration file), nor a folder model-manager did not write (see unrecordedFolder).
   */
  cleanTargets(spec: ModelSpec, index: CacheIndex, configPath: string | undefined): RemovalTarget[];
  /**
   * plain: the model's folder when it holds something but no entry of the index records the model there and
   * model-manager is not writing it (a folder that only happens to be where the model would go): --clean leaves it.
   */
  unrecordedFolder?(spec: ModelSpec, index: CacheIndex): string | undefined;
}
