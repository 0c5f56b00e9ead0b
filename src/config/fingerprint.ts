import { createHash } from "node:crypto";
import type { ModelSpec } from "./types.ts";

/** Bump when the meaning of a selection changes, so every cached fingerprint goes stale. */
const SELECTION_FORMAT = 1;

/**
 * sha256 hex of what decides which files of a repository a model gets. The cache
 * index stores it to notice that `files`/`exclude`/`repo_type` changed. Pattern
 * order and repeats do not change the selection, so lists are sorted and deduplicated.
 */
export function selectionFingerprint(spec: Pick<ModelSpec, "repoType" | "files" | "exclude">): string {
  const canonical = JSON.stringify([
    SELECTION_FORMAT,
    spec.repoType,
    spec.files === undefined ? null : canonicalList(spec.files),
    canonicalList(spec.exclude),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

function canonicalList(patterns: readonly string[]): string[] {
  return [...new Set(patterns)].sort();
}
