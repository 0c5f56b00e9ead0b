import { byCodeUnit } from "../by-code-unit.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import type { LayoutKind, ModelSpec } from "../config/types.ts";
import { envelope } from "../output/json-report.ts";
import type { CacheKeyOutput } from "../output/json-schema.ts";
import type { LockedModel } from "../lockfile/schema.ts";

const KEY_FORMAT = 1;

/**
 * A stable key for CI caches: it changes exactly when the set of models to
 * fetch changes (repository, type, revision, folder, file selection), not
 * when comments, ordering, verify levels or the cache path change.
 * With a committed lock, a locked model is keyed by its exact commit and file
 * hashes, so the key changes exactly when the pinned content does. Without one,
 * a branch revision such as "main" is keyed by its name: pin a commit (or
 * commit a lock) for a key that also follows upstream changes.
 * The layout counts too (a plain cache restored for `layout: hf` would not be
 * used); plain, the default, leaves the key as it was before layouts existed.
 */
export function cacheKey(specs: readonly ModelSpec[], lock?: LockedModels, layout: LayoutKind = "plain"): string {
  const models = [...specs].sort((a, b) => byCodeUnit(a.id, b.id)).map((spec) => {
    const locked = lock?.lockedModelFor(spec);
    // layout hf: local_dir has no effect, so it does not change the key (the id stands where the folder was, as without local_dir).
    const folder = layout === "hf" ? spec.id : spec.localDir;
    if (!locked) return [spec.id, spec.repoType, spec.repoId, spec.revision, folder, selectionFingerprint(spec)];
    const files = [...locked.files].sort((a, b) => byCodeUnit(a.path, b.path)).map((file) => [file.path, file.size, file.sha256 ?? file.gitOid]);
    return [spec.id, locked.repoType, locked.repoId, "locked", locked.commit, folder, files];
  });
  const keyed = layout === "plain" ? { format: KEY_FORMAT, models } : { format: KEY_FORMAT, layout, models };
  const digest = new Bun.CryptoHasher("sha256").update(JSON.stringify(keyed)).digest("hex");
  return `model-manager-v${KEY_FORMAT}-${digest.slice(0, 32)}`;
}

type LockedModels = { lockedModelFor(spec: ModelSpec): LockedModel | undefined };

/** --cache-key --json: the key and the models it covers. */
export function cacheKeyJson(cacheDir: string, specs: readonly ModelSpec[], lock?: LockedModels, layout?: LayoutKind): CacheKeyOutput {
  const models = specs.map((spec) => ({ id: spec.id, ok: true as const, repoId: spec.repoId, repoType: spec.repoType, revision: spec.revision }));
  return { ...envelope("cache-key", 0, models), cacheDir, cacheKey: cacheKey(specs, lock, layout), models };
}
