import { byCodeUnit } from "../by-code-unit.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import type { LockedModel, LockFile } from "./schema.ts";

type ModelRequest = Pick<LockedModel, "id" | "repoId" | "repoType" | "revision" | "selection">;

function requestOf(spec: ModelSpec): ModelRequest {
  return { id: spec.id, repoId: spec.repoId, repoType: spec.repoType, revision: spec.revision, selection: selectionFingerprint(spec) };
}

/**
 * sha256 of what the configuration asks the Hub for, model by model (id, repository,
 * type, revision, file selection), sorted by id. Comments, order, cache_dir,
 * local_dir and verify levels do not change it: they do not change which bytes are pinned.
 */
export function requestsDigest(requests: readonly ModelRequest[]): string {
  const canonical = [...requests]
    .sort((a, b) => byCodeUnit(a.id, b.id))
    .map((request) => [request.id, request.repoType, request.repoId, request.revision, request.selection]);
  return `sha256:${new Bun.CryptoHasher("sha256").update(JSON.stringify(canonical)).digest("hex")}`;
}

export function configDigest(specs: readonly ModelSpec[]): string {
  return requestsDigest(specs.map(requestOf));
}

/** How the configured model differs from its lock entry ("revision main → v2"); undefined when it does not. */
export function requestDifference(locked: LockedModel, spec: ModelSpec): string | undefined {
  const wanted = requestOf(spec);
  const changes: string[] = [];
  if (locked.repoId !== wanted.repoId) changes.push(`repo_id ${locked.repoId} → ${wanted.repoId}`);
  if (locked.repoType !== wanted.repoType) changes.push(`repo_type ${locked.repoType} → ${wanted.repoType}`);
  if (locked.revision !== wanted.revision) changes.push(`revision ${locked.revision} → ${wanted.revision}`);
  if (locked.selection !== wanted.selection && locked.repoType === wanted.repoType) changes.push("files/exclude changed");
  return changes.length > 0 ? changes.join(", ") : undefined;
}

export type LockDrift = {
  readonly changed: readonly { readonly id: string; readonly what: string }[];
  /** Configured but not in the lock. */
  readonly added: readonly string[];
  /** In the lock but no longer configured. */
  readonly removed: readonly string[];
};

export function lockDrift(lock: LockFile, specs: readonly ModelSpec[]): LockDrift {
  const locked = new Map(lock.models.map((model) => [model.id, model]));
  const configured = new Set(specs.map((spec) => spec.id));
  const changed: { id: string; what: string }[] = [];
  const added: string[] = [];
  for (const spec of specs) {
    const entry = locked.get(spec.id);
    if (!entry) added.push(spec.id);
    else {
      const what = requestDifference(entry, spec);
      if (what) changed.push({ id: spec.id, what });
    }
  }
  const removed = lock.models.map((model) => model.id).filter((id) => !configured.has(id));
  return { changed, added, removed };
}

export function hasDrift(drift: LockDrift): boolean {
  return drift.changed.length + drift.added.length + drift.removed.length > 0;
}

/** One line per difference, for messages. */
export function describeDrift(drift: LockDrift): string[] {
  return [
    ...drift.added.map((id) => `${id}: not in the lock`),
    ...drift.changed.map((change) => `${change.id}: ${change.what}`),
    ...drift.removed.map((id) => `${id}: in the lock but no longer configured`),
  ];
}
