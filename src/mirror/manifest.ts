/**
 * A mirror's record of one repository at one commit: every file of the repository
 * there, in the committed lock's per-file format (path, size, sha256 or gitOid, xetHash),
 * and which of them the mirror holds. The whole tree is listed so that a reader applies
 * its own `files`/`exclude` to it exactly as it would to the Hub's listing.
 */
import * as v from "valibot";
import { byCodeUnit } from "../by-code-unit.ts";
import { REPO_TYPES, type RepoType } from "../config/types.ts";
import type { RemoteFile } from "../hub/api.ts";
import { GIT_OBJECT_ID } from "../hub/object-id.ts";
import { lockedFileOf, remoteFileOf } from "../lockfile/convert.ts";
import { type LockedFile, LockedFileSchema } from "../lockfile/schema.ts";
import { formatFile } from "../lockfile/write-lock.ts";
import { MirrorError } from "./errors.ts";

const MANIFEST_VERSION = 1;

/** The largest manifest a reader or pusher accepts from a mirror. */
export const MANIFEST_LIMIT = 32 * 1024 * 1024;

export interface MirrorManifest {
  readonly manifestVersion: number;
  readonly repoId: string;
  readonly repoType: RepoType;
  readonly commit: string;
  /** Every file of the repository at `commit`. */
  readonly files: readonly LockedFile[];
  /** Paths (of `files`) whose blobs the mirror holds. */
  readonly stored: readonly string[];
}

const ManifestSchema = v.pipe(
  v.strictObject({
    manifestVersion: v.literal(MANIFEST_VERSION),
    repoId: v.pipe(v.string(), v.minLength(1)),
    repoType: v.picklist(REPO_TYPES),
    commit: v.pipe(v.string(), v.regex(GIT_OBJECT_ID)),
    files: v.array(LockedFileSchema),
    stored: v.array(v.string()),
  }),
  v.check((manifest) => new Set(manifest.files.map((file) => file.path)).size === manifest.files.length, "lists a path twice"),
  v.check((manifest) => {
    const listed = new Set(manifest.files.map((file) => file.path));
    return manifest.stored.every((path) => listed.has(path));
  }, "stores a path it does not list"),
);

export function manifestOf(repo: { repoId: string; repoType: RepoType }, commit: string, tree: readonly RemoteFile[], stored: Iterable<string>): MirrorManifest {
  return { manifestVersion: MANIFEST_VERSION, ...repo, commit, files: tree.map(lockedFileOf), stored: [...new Set(stored)].sort(byCodeUnit) };
}

/** Deterministic text, one file per line, like the lock. */
export function formatManifest(manifest: MirrorManifest): string {
  const files = [...manifest.files].sort((a, b) => byCodeUnit(a.path, b.path)).map((file) => `    ${formatFile(file)}`);
  const stored = manifest.stored.map((path) => `    ${JSON.stringify(path)}`);
  const list = (items: string[]) => (items.length === 0 ? "[]" : `[\n${items.join(",\n")}\n  ]`);
  const head = ["manifestVersion", "repoId", "repoType", "commit"] as const;
  return `{\n${head.map((key) => `  ${JSON.stringify(key)}: ${JSON.stringify(manifest[key])}`).join(",\n")},\n  "files": ${list(files)},\n  "stored": ${list(stored)}\n}\n`;
}

/** Validates a manifest read from `shownAs`; a malformed one is an error naming it (a mirror is not trusted blindly). */
export function parseManifest(text: string, shownAs: string, expected: { repoId: string; repoType: RepoType; commit: string }): MirrorManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MirrorError(`${shownAs}: not valid JSON (${(error as Error).message})`);
  }
  const result = v.safeParse(ManifestSchema, value);
  if (!result.success) {
    const issue = result.issues[0];
    const where = issue?.path?.map((item) => String(item.key)).join(".") ?? "";
    throw new MirrorError(`${shownAs}: not a model-manager mirror manifest (${where ? `${where}: ` : ""}${issue?.message ?? "invalid"})`);
  }
  const manifest = result.output;
  if (manifest.repoId !== expected.repoId || manifest.repoType !== expected.repoType || manifest.commit !== expected.commit) {
    throw new MirrorError(`${shownAs}: describes ${manifest.repoType} ${manifest.repoId} at ${manifest.commit}, not ${expected.repoType} ${expected.repoId} at ${expected.commit}`);
  }
  return manifest;
}

export function filesOf(manifest: MirrorManifest): RemoteFile[] {
  return manifest.files.map(remoteFileOf);
}
