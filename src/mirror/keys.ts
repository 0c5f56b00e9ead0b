import type { RepoType } from "../config/types.ts";
import type { RemoteFile } from "../hub/api.ts";

/**
 * Object names inside a mirror, relative to its prefix. Blobs are content-addressed by the hash
 * the Hub itself gives a file (LFS: sha256 of the content; regular files: git blob SHA-1), so a
 * blob shared by models or commits is stored once and its name is what a reader verifies it against.
 */
export function blobKey(file: Pick<RemoteFile, "oid" | "lfsSha256">): string {
  return file.lfsSha256 !== undefined ? `blobs/sha256/${file.lfsSha256}` : `blobs/git-sha1/${file.oid}`;
}

export function manifestKey(repoType: RepoType, repoId: string, commit: string): string {
  return `manifests/${repoType}/${repoId}/${commit}.json`;
}

/** A branch, tag or refs/pr/N the pusher asked for: the file holds the commit it resolved to. */
export function refKey(repoType: RepoType, repoId: string, revision: string): string {
  return `refs/${repoType}/${repoId}/${revision}`;
}
