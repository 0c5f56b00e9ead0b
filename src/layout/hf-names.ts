/** Names inside the Hugging Face cache (huggingface_hub file_download.py). */

import type { RepoType } from "../config/types.ts";
import { isCommitSha } from "../hub/object-id.ts";
import type { StoredFile } from "./types.ts";

/** `models--org--name`, `datasets--org--name`, `spaces--name`. */
export function repoFolderName(repo: { readonly repoId: string; readonly repoType: RepoType }): string {
  return [`${repo.repoType}s`, ...repo.repoId.split("/")].join("--");
}

/** The blob's file name: the Hub's ETag of the file: the sha256 for LFS files, the git blob SHA-1 otherwise. */
export function blobName(file: Pick<StoredFile, "oid" | "lfs" | "sha256">): string {
  return file.lfs && file.sha256 ? file.sha256 : file.oid;
}

/** What `snapshots/<commit>/<path>` links to: `../../blobs/X`, one more `../` per folder in `path`. */
export function blobLinkTarget(path: string, blob: string): string {
  const depth = path.split("/").length + 1;
  return `${"../".repeat(depth)}blobs/${blob}`;
}

/** A ref is written only for a branch, tag or refs/pr/N, never for a commit (huggingface_hub does the same). */
export function needsRef(revision: string): boolean {
  return !isCommitSha(revision);
}
