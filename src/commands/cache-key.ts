import { selectionFingerprint } from "../config/fingerprint.ts";
import type { ModelSpec } from "../config/types.ts";
import { envelope } from "../output/json-report.ts";
import type { CacheKeyOutput } from "../output/json-schema.ts";

const KEY_FORMAT = 1;

/**
 * A stable key for CI caches: it changes exactly when the set of models to
 * fetch changes (repository, type, revision, folder, file selection), not
 * when comments, ordering, verify levels or the cache path change.
 * A branch revision such as "main" is keyed by its name: pin a commit for
 * a key that also follows upstream changes.
 */
export function cacheKey(specs: readonly ModelSpec[]): string {
  const models = [...specs]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((spec) => [spec.id, spec.repoType, spec.repoId, spec.revision, spec.localDir, selectionFingerprint(spec)]);
  const digest = new Bun.CryptoHasher("sha256").update(JSON.stringify({ format: KEY_FORMAT, models })).digest("hex");
  return `model-manager-v${KEY_FORMAT}-${digest.slice(0, 32)}`;
}

/** --cache-key --json: the key and the models it covers. */
export function cacheKeyJson(cacheDir: string, specs: readonly ModelSpec[]): CacheKeyOutput {
  const models = specs.map((spec) => ({ id: spec.id, ok: true as const, repoId: spec.repoId, repoType: spec.repoType, revision: spec.revision }));
  return { ...envelope("cache-key", 0, models), cacheDir, cacheKey: cacheKey(specs), models };
}
