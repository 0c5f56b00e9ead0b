import type { IndexEntry } from "../cache/index-schema.ts";
import type { ModelSpec } from "../config/types.ts";
import { BadChecksumError, describeVerificationFailure, NotFoundError } from "../errors.ts";
import { HubContentMismatchError } from "../hub/file-source.ts";
import { LockMismatchError } from "../lockfile/errors.ts";
import type { PinnedSnapshot } from "./plan.ts";
import { sameContent } from "./records.ts";

/** The cache holds exactly the pinned commit and files (by the Hub's identities); true when there is no pin. */
export function agreesWithPin(entry: IndexEntry, pin: PinnedSnapshot | undefined): boolean {
  if (!pin) return true;
  if (entry.commit !== pin.commit || entry.files.length !== pin.files.length) return false;
  const recorded = new Map(entry.files.map((file) => [file.path, file]));
  return pin.files.every((file) => {
    const old = recorded.get(file.path);
    return old !== undefined && sameContent(file, old);
  });
}

/**
 * A download of a pinned file that the Hub (or the bytes) contradict: the lock is
 * the trust root, so this is a verification failure naming both sides and the lock.
 */
export function pinnedDownloadError(error: unknown, spec: ModelSpec, pin: PinnedSnapshot): unknown {
  const advice = `Either the upstream history changed (a force-push) or a mirror or the lock was altered; check ${pin.source}; only if what the Hub serves now is trusted, run "model-manager lock --refresh" to pin it.`;
  if (error instanceof HubContentMismatchError) {
    const { expected, reported } = error;
    const difference =
      reported.identity !== undefined
        ? `the lock says ${hashName(expected.identity)} ${expected.identity}, the Hub says ${reported.identity}`
        : `the lock says ${expected.size} bytes, the Hub says ${reported.size}`;
    return new LockMismatchError(
      `Model "${spec.id}": "${expected.path}" at ${pin.commit.slice(0, 12)} does not match the lock ${pin.source}: ${difference}. ${advice}`,
      { cause: error },
    );
  }
  if (error instanceof NotFoundError && (error.kind === "revision" || error.kind === "file")) {
    const what = error.kind === "revision" ? `the locked commit ${pin.commit}` : `a file at the locked commit ${pin.commit.slice(0, 12)}`;
    return new LockMismatchError(`Model "${spec.id}": the Hub no longer has ${what}, which the lock ${pin.source} pins (${error.message}). ${advice}`, {
      cause: error,
    });
  }
  if (error instanceof BadChecksumError) {
    const lines = error.failures.map((failure) => `  ${describeVerificationFailure(failure)} (expected = the lock, got = the downloaded bytes)`);
    return new LockMismatchError(`Model "${spec.id}": downloaded files do not match the lock ${pin.source}:\n${lines.join("\n")}\n${advice}`, {
      cause: error,
    });
  }
  return error;
}

function hashName(identity: string): string {
  return identity.length === 64 ? "sha256" : "git blob sha1";
}
