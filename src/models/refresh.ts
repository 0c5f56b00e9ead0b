import type { IndexEntry } from "../cache/index-schema.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import type { CacheLayout } from "../layout/index.ts";
import { isCommitSha } from "../hub/object-id.ts";
import type { RunContext } from "./context.ts";
import { entryMatchesSpec } from "./records.ts";

/**
 * The commit the model's branch or tag points at on the Hub now (one request), for a model the
 * index records for this exact configuration. Undefined for a revision pinned to a commit, which
 * cannot move, and for a model not recorded yet, which is planned from the Hub anyway.
 */
export async function upstreamCommit(spec: ModelSpec, entry: IndexEntry | undefined, layout: CacheLayout, context: RunContext): Promise<string | undefined> {
  if (isCommitSha(spec.revision) || !entryMatchesSpec(entry, spec, selectionFingerprint(spec), layout)) return undefined;
  return context.hub.api.resolveCommit({ repoId: spec.repoId, repoType: spec.repoType }, spec.revision, context.signal);
}

/** With --refresh: the new commit when the recorded model's revision has moved on the Hub; otherwise undefined. */
export async function movedCommit(spec: ModelSpec, entry: IndexEntry | undefined, layout: CacheLayout, context: RunContext): Promise<string | undefined> {
  if (!context.refresh) return undefined;
  const current = await upstreamCommit(spec, entry, layout, context);
  return current !== undefined && current !== entry?.commit ? current : undefined;
}
