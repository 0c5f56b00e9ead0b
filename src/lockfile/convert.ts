import { createHash } from "node:crypto";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import type { RemoteFile } from "../hub/api.ts";
import type { PinnedSnapshot, RemoteSnapshot } from "../models/plan.ts";
import type { LockedFile, LockedModel } from "./schema.ts";

/** What the lock records for a model resolved to `snapshot`. */
export function lockedModelOf(spec: ModelSpec, snapshot: RemoteSnapshot): LockedModel {
  return {
    id: spec.id,
    repoId: spec.repoId,
    repoType: spec.repoType,
    revision: spec.revision,
    selection: selectionFingerprint(spec),
    commit: snapshot.commit,
    files: snapshot.files.map(lockedFileOf),
  };
}

export function lockedFileOf(file: RemoteFile): LockedFile {
  const hash = file.lfsSha256 !== undefined ? { sha256: file.lfsSha256 } : { gitOid: file.oid };
  return { path: file.path, size: file.size, ...hash, ...(file.xetHash ? { xetHash: file.xetHash } : {}) };
}

/** The plan input a locked model gives: its commit and files, with `source` (the lock's path) for messages. */
export function pinOf(model: LockedModel, source: string): PinnedSnapshot {
  // The lock does not list what the default excludes left out; a pinned run has nothing to say about them.
  return { source, selection: model.selection, commit: model.commit, files: model.files.map(remoteFileOf), defaultExcluded: [] };
}

export function remoteFileOf(file: LockedFile): RemoteFile {
  const xet = file.xetHash ? { xetHash: file.xetHash } : {};
  if (file.sha256 !== undefined) return { path: file.path, size: file.size, oid: lfsPointerOid(file.sha256, file.size), lfsSha256: file.sha256, ...xet };
  return { path: file.path, size: file.size, oid: file.gitOid ?? "", ...xet };
}

/**
 * The git blob id of an LFS file's pointer, which the Hub's tree lists as `oid`.
 * The pointer text is fixed by the git-lfs spec, so the lock need not store it.
 */
export function lfsPointerOid(sha256: string, size: number): string {
  const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
  return createHash("sha1").update(`blob ${Buffer.byteLength(pointer)}\0${pointer}`).digest("hex");
}
