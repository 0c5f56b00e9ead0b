/**
 * One file against what the Hub says it is, at a verify level:
 *   none   - the file is present (a regular file);
 *   size   - and its size matches (a flipped byte is NOT caught at this level);
 *   sha256 - and its content matches: sha256 for LFS files, git blob SHA-1 (`oid`)
 *            for regular files (configs and tokenizers are checked like weights).
 */

import { lstat, readlink } from "node:fs/promises";
import type { Stats } from "node:fs";
import type { VerifyLevel } from "../config/types.ts";
import type { VerificationFailure } from "../errors.ts";
import { resolveInside } from "../cache/layout.ts";
import { hashFile, type HashFileOptions } from "./hash-file.ts";
import type { ContentDigests, HashKinds } from "./hasher.ts";

export type ExpectedFile = {
  /** "/"-separated, relative to the model directory. */
  readonly path: string;
  readonly size: number;
  /** Required for LFS files (the Hub's `lfs.oid`). */
  readonly sha256?: string;
  /** Git blob SHA-1 from the Hub. */
  readonly oid: string;
  readonly lfs: boolean;
};

export type FileCheck = {
  readonly failure?: VerificationFailure;
  /** Present when the level required hashing. For regular files it carries both the sha256 (to record) and the git SHA-1. */
  readonly digests?: ContentDigests;
};

export async function checkFile(dir: string, expected: ExpectedFile, level: VerifyLevel, options: HashFileOptions = {}): Promise<FileCheck> {
  const path = resolveInside(dir, expected.path);
  const presence = await checkPresence(path, expected, level);
  if (presence.failure || !presence.kinds) return { failure: presence.failure };
  const digests = await hashFile(path, presence.kinds, expected.size, options);
  return { failure: compareDigests(expected, digests), digests };
}

/** The stat-only part of a check; `kinds` says what still has to be hashed (nothing when undefined). */
export async function checkPresence(path: string, expected: ExpectedFile, level: VerifyLevel): Promise<{ failure?: VerificationFailure; kinds?: HashKinds }> {
  let stats: Stats;
  try {
    // lstat: a link is never followed, so a file swapped for a link (or a fifo, which would block a read) is damage.
    stats = await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { failure: { path: expected.path, reason: "missing" } };
    throw error;
  }
  if (!stats.isFile()) return { failure: { path: expected.path, reason: "not-a-file", actual: await describeNonFile(path, stats) } };
  if (level === "none") return {};
  if (stats.size !== expected.size) return { failure: sizeFailure(expected, stats.size) };
  if (level === "size") return {};
  return { kinds: hashKindsFor(expected) };
}

/** "a symlink to /etc/passwd", "a folder", "a fifo", "a socket"… for messages. */
export async function describeNonFile(path: string, stats: Stats): Promise<string> {
  if (stats.isSymbolicLink()) return `a symlink to ${await readlink(path).catch(() => "an unreadable target")}`;
  if (stats.isDirectory()) return "a folder";
  if (stats.isFIFO()) return "a fifo";
  if (stats.isSocket()) return "a socket";
  return "a device file";
}

function hashKindsFor(expected: ExpectedFile): HashKinds {
  if (expected.lfs && !expected.sha256) throw new TypeError(`${expected.path}: an LFS file needs its expected sha256 to be verified`);
  return { sha256: true, gitSha1: !expected.lfs };
}

export function compareDigests(expected: ExpectedFile, digests: ContentDigests): VerificationFailure | undefined {
  if (digests.bytes !== expected.size) return sizeFailure(expected, digests.bytes);
  if (expected.lfs) {
    const wanted = expected.sha256?.toLowerCase();
    return digests.sha256 === wanted ? undefined : { path: expected.path, reason: "sha256", expected: wanted, actual: digests.sha256 };
  }
  const wanted = expected.oid.toLowerCase();
  return digests.gitSha1 === wanted ? undefined : { path: expected.path, reason: "git-sha1", expected: wanted, actual: digests.gitSha1 };
}

function sizeFailure(expected: ExpectedFile, actual: number): VerificationFailure {
  return { path: expected.path, reason: "size", expected: expected.size, actual };
}
