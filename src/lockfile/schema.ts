/**
 * The committed lock (`<config name>.lock.json` beside the configuration): what
 * every configured model resolved to, file by file. Not the cache index, which
 * lives inside the cache directory and records what is on this machine's disk.
 */

import * as v from "valibot";
import { FILE_SIZE } from "../hub/object-id.ts";
import { repoPathProblem } from "../hub/paths.ts";
import { REPO_TYPES, type RepoType } from "../config/types.ts";

/** Bump when the meaning of a field changes; a reader refuses a newer version instead of guessing. */
export const LOCK_VERSION = 1;

export interface LockedFile {
  /** "/"-separated path inside the repository. */
  readonly path: string;
  readonly size: number;
  /** LFS files: the content sha256 (the Hub's `lfs.oid`). */
  readonly sha256?: string;
  /** Regular files: the git blob SHA-1 (the Hub's `oid`). */
  readonly gitOid?: string;
  /** Xet-backed files: the Xet content hash, where the Hub gives one. */
  readonly xetHash?: string;
}

export interface LockedModel {
  readonly id: string;
  readonly repoId: string;
  readonly repoType: RepoType;
  /** As requested in the configuration: branch, tag, commit or refs/pr/N. */
  readonly revision: string;
  /** Fingerprint of the configured `files`/`exclude` (and repo type): changes when the selection does. */
  readonly selection: string;
  /** The 40-hex commit the revision resolved to. */
  readonly commit: string;
  readonly files: readonly LockedFile[];
}

export interface LockFile {
  readonly lockVersion: number;
  /** sha256 of the normalised configuration the lock was made from (see configDigest). */
  readonly configDigest: string;
  readonly models: readonly LockedModel[];
}

const hex = (length: number) => v.pipe(v.string(), v.regex(new RegExp(`^[0-9a-f]{${length}}$`), `expected ${length} lowercase hex digits`));
const safeRelativePath = v.pipe(
  v.string(),
  v.check((path) => repoPathProblem(path) === undefined, (issue) => `unsafe path: ${repoPathProblem(String(issue.input))}`),
);
const nonEmpty = v.pipe(v.string(), v.minLength(1, "must not be empty"));

export const LockedFileSchema = v.pipe(
  v.strictObject({
    path: safeRelativePath,
    size: FILE_SIZE,
    sha256: v.optional(hex(64)),
    gitOid: v.optional(hex(40)),
    xetHash: v.optional(hex(64)),
  }),
  v.check((file) => (file.sha256 === undefined) !== (file.gitOid === undefined), "needs exactly one of sha256 (LFS file) or gitOid (regular file)"),
);

const LockedModelSchema = v.pipe(
  v.strictObject({
    id: nonEmpty,
    repoId: nonEmpty,
    repoType: v.picklist(REPO_TYPES),
    revision: nonEmpty,
    selection: hex(64),
    commit: hex(40),
    files: v.pipe(
      v.array(LockedFileSchema),
      v.check((files) => new Set(files.map((file) => file.path)).size === files.length, "lists a path twice"),
    ),
  }),
);

export const LockFileSchema = v.strictObject({
  lockVersion: v.literal(LOCK_VERSION),
  configDigest: v.pipe(v.string(), v.regex(/^sha256:[0-9a-f]{64}$/, "expected sha256: and 64 lowercase hex digits")),
  models: v.pipe(
    v.array(LockedModelSchema),
    v.check((models) => new Set(models.map((model) => model.id)).size === models.length, "lists a model id twice"),
  ),
});
