/**
 * The index document (`model-manager.lock.json`): its types, its valibot schema,
 * and its canonical serialisation (fixed key order, sorted models and files, so it diffs well).
 *
 * Objects are parsed loosely: fields added by a later release with the same
 * `version` survive a read-modify-write by this one.
 */

import * as v from "valibot";
import { byCodeUnit } from "../by-code-unit.ts";
import { REPO_TYPES, type RepoType, VERIFY_LEVELS, type VerifyLevel } from "../config/types.ts";
import { relativePathProblem } from "./layout.ts";

export const INDEX_VERSION = 1;

export interface IndexedFile {
  /** "/"-separated path inside the model directory. */
  readonly path: string;
  readonly size: number;
  readonly lfs: boolean;
  /** Git blob SHA-1 from the Hub (of the pointer file for LFS files). */
  readonly oid: string;
  /** Content sha256: the Hub's `lfs.oid` for LFS files; computed when verified for regular ones. */
  readonly sha256?: string;
  /** mtime of the file as written, to notice later edits cheaply. */
  readonly mtimeMs: number;
  /** Xet files: runs of chunks [xorb, first chunk index, file offset, chunk lengths], so a later revision can copy them. */
  readonly xetChunks?: readonly (readonly [string, number, number, string])[];
}

export interface IndexEntry {
  readonly repoId: string;
  readonly repoType: RepoType;
  /** As requested in the configuration: branch, tag, commit or refs/pr/N. */
  readonly revision: string;
  /** Resolved 40-hex commit. */
  readonly commit: string;
  readonly localDir: string;
  /** Fingerprint of files/exclude, computed by the config module. */
  readonly selection: string;
  /** Files of the repository the default exclude list left out, when it decided the selection. */
  readonly defaultExcluded?: readonly string[];
  /** Level the files were last verified at. */
  readonly verify: VerifyLevel;
  readonly completedAt: string;
  readonly verifiedAt: string;
  readonly files: readonly IndexedFile[];
  /** Where the files were last downloaded from: "hub", or a mirror's URL (s3://bucket/prefix, https://…). */
  readonly fetchedFrom?: string;
  /** Absolute path of the configuration file whose run recorded the entry (see CacheLayout.keepsPrevious). */
  readonly configuredBy?: string;
}

export interface CacheIndex {
  version: typeof INDEX_VERSION;
  /**
   * The folder the index was last written in (symlinks resolved). Read anywhere else (a cache copied or
   * restored elsewhere), its entries' configuredBy claims nothing: see src/cache/index-file.ts.
   */
  writtenIn?: string;
  /** Keyed by model id: the entry last recorded for that id (what a release before alsoConfigured reads). */
  models: Record<string, IndexEntry>;
  /**
   * Keyed by model id: the entries further configuration files recorded for the same id (at another
   * revision, selection or folder), one per `configuredBy`. Read and written through src/cache/index-entries.ts.
   */
  alsoConfigured?: Record<string, IndexEntry[]>;
}

export function emptyIndex(): CacheIndex {
  return { version: INDEX_VERSION, models: {} };
}

const hex = (length: number) => v.pipe(v.string(), v.regex(new RegExp(`^[0-9a-f]{${length}}$`), `expected ${length} lowercase hex digits`));
const safeRelativePath = v.pipe(
  v.string(),
  v.check((path) => relativePathProblem(path) === undefined, (issue) => `unsafe path: ${relativePathProblem(String(issue.input))}`),
);
const timestamp = v.pipe(v.string(), v.isoTimestamp());
const byteCount = v.pipe(v.number(), v.integer(), v.minValue(0));

const IndexedFileSchema = v.pipe(
  v.looseObject({
    path: safeRelativePath,
    size: byteCount,
    lfs: v.boolean(),
    oid: hex(40),
    sha256: v.optional(hex(64)),
    mtimeMs: v.pipe(v.number(), v.finite(), v.minValue(0)),
    xetChunks: v.optional(v.array(v.tuple([hex(64), byteCount, byteCount, v.pipe(v.string(), v.regex(/^\d+(,\d+)*$/))]))),
  }),
  v.check((file) => !file.lfs || file.sha256 !== undefined, "an LFS file needs its sha256"),
);

const IndexEntrySchema = v.pipe(
  v.looseObject({
    repoId: v.pipe(v.string(), v.minLength(1)),
    repoType: v.picklist(REPO_TYPES),
    revision: v.pipe(v.string(), v.minLength(1)),
    commit: hex(40),
    localDir: safeRelativePath,
    selection: v.string(),
    defaultExcluded: v.optional(v.array(safeRelativePath)),
    verify: v.picklist(VERIFY_LEVELS),
    completedAt: timestamp,
    verifiedAt: timestamp,
    files: v.array(IndexedFileSchema),
    fetchedFrom: v.optional(v.string()),
    configuredBy: v.optional(v.string()),
  }),
  v.check((entry) => new Set(entry.files.map((file) => file.path)).size === entry.files.length, "duplicate file paths"),
);

const modelId = v.pipe(v.string(), v.minLength(1));

const CacheIndexSchema = v.looseObject({
  version: v.literal(INDEX_VERSION),
  writtenIn: v.optional(v.string()),
  models: v.record(modelId, IndexEntrySchema),
  alsoConfigured: v.optional(v.record(modelId, v.array(IndexEntrySchema))),
});

/** Validation problems as short "models.x.files.0.oid: message" lines; empty when valid. */
export function indexProblems(value: unknown): string[] {
  const result = v.safeParse(CacheIndexSchema, value);
  if (result.success) return [];
  return result.issues.map((issue) => {
    const where = (issue.path ?? []).map((item) => String(item.key)).join(".");
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}

export function parseIndex(value: unknown): CacheIndex | undefined {
  const result = v.safeParse(CacheIndexSchema, value);
  return result.success ? (result.output as CacheIndex) : undefined;
}

const ENTRY_KEY_ORDER = ["repoId", "repoType", "revision", "commit", "localDir", "selection", "defaultExcluded", "verify", "completedAt", "verifiedAt", "files"];
const FILE_KEY_ORDER = ["path", "size", "lfs", "oid", "sha256", "mtimeMs"];

/**
 * Pretty JSON with a stable layout: known keys in a fixed order, then unknown keys sorted; models by id,
 * files by path, further configurations' entries of an id by configuration file.
 */
export function serializeIndex(index: CacheIndex): string {
  const models = mapSorted(index.models, serializeEntry);
  const more = index.alsoConfigured && Object.keys(index.alsoConfigured).length > 0 ? index.alsoConfigured : undefined;
  const alsoConfigured = more && mapSorted(more, (entries) => [...entries].sort((a, b) => byCodeUnit(a.configuredBy ?? "", b.configuredBy ?? "")).map(serializeEntry));
  return `${JSON.stringify(withKeyOrder({ ...index, models, alsoConfigured }, ["version", "models", "alsoConfigured", "writtenIn"]), null, 2)}\n`;
}

function serializeEntry(entry: IndexEntry): Record<string, unknown> {
  const files = [...entry.files].sort((a, b) => byCodeUnit(a.path, b.path)).map((file) => withKeyOrder(file, FILE_KEY_ORDER));
  return withKeyOrder({ ...entry, files }, ENTRY_KEY_ORDER);
}

function mapSorted<T>(record: Record<string, T>, map: (value: T) => unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort(byCodeUnit)) result[key] = map(record[key] as T);
  return result;
}

function withKeyOrder(object: object, order: readonly string[]): Record<string, unknown> {
  const source = object as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  const rest = Object.keys(source)
    .filter((key) => !order.includes(key))
    .sort(byCodeUnit);
  for (const key of [...order, ...rest]) {
    if (source[key] !== undefined) result[key] = source[key];
  }
  return result;
}
