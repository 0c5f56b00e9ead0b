import * as v from "valibot";

/** A git object id as the Hub writes it: a commit's or a file's SHA-1, 40 lowercase hex digits. */
export const GIT_OBJECT_ID = /^[0-9a-f]{40}$/;

/** A revision pinned to a commit: it never moves. */
export function isCommitSha(revision: string): boolean {
  return GIT_OBJECT_ID.test(revision);
}

/** A file size as a server or a file states it: a whole number of bytes that a number holds exactly (beyond 8 PiB, nothing is real). */
export const FILE_SIZE = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER, "is not a plausible file size"));
