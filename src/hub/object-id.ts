/** A git object id as the Hub writes it: a commit's or a file's SHA-1, 40 lowercase hex digits. */
export const GIT_OBJECT_ID = /^[0-9a-f]{40}$/;

/** A revision pinned to a commit: it never moves. */
export function isCommitSha(revision: string): boolean {
  return GIT_OBJECT_ID.test(revision);
}
