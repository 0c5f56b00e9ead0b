/**
 * A model's folder is the model's: a run replaces what is in it and `--clean` removes it whole.
 * So it must not hold the configuration file itself or the lock committed beside it
 * (`cache_dir: .` and a model called `models.yaml`, or `config` next to config/model_manager/);
 * nor may the lock be the cache's own index.
 */
import { join, resolve, sep } from "node:path";
import { INDEX_FILE_NAME, indexPath } from "../cache/layout.ts";
import { realpathOrSelf } from "../cache/real-path.ts";
import type { ConfigIssue } from "../errors.ts";
import { lockPathFor } from "../lockfile/lock-path.ts";
import { quote } from "./describe.ts";
import type { DocumentLocator } from "./positions.ts";
import type { RawModelSpec } from "./schema.ts";
import type { ModelsConfig } from "./types.ts";

/** `cacheDirOption`: how the option that replaced cache_dir is named ("--cache-dir"), when one did. */
export function ownFileIssues(config: ModelsConfig, rawModels: readonly RawModelSpec[], locator: DocumentLocator, cacheDirOption?: string): ConfigIssue[] {
  if (config.path === undefined || config.layout === "hf") return [];
  // Each path as given and as resolved through symlinks, resolved once for every model below.
  const own = [
    { path: config.path, what: "the configuration file" },
    { path: lockPathFor(config.path), what: "the lock file of this configuration" },
  ].map((file) => ({ ...file, realPath: realpathOrSelf(file.path) }));
  const realCacheDir = realpathOrSelf(config.cacheDir);
  const issues: ConfigIssue[] = [];
  // `model-manager.yaml` beside its cache: its lock, model-manager.lock.json, is the cache index's name.
  const index = indexPath(config.cacheDir);
  const sameAsIndex = own.find((file) => samePath(file.path, index) || samePath(file.realPath, join(realCacheDir, INDEX_FILE_NAME)));
  if (sameAsIndex) {
    const place = cacheDirOption === undefined ? { path: "cache_dir", ...locator.locate(["cache_dir"]) } : { path: cacheDirOption };
    issues.push({
      ...place,
      message: `${sameAsIndex.what}, ${sameAsIndex.path}, would be the cache index of cache_dir ${config.cacheDir} (${INDEX_FILE_NAME}); rename the configuration (models.yaml) or choose another cache_dir`,
    });
  }
  config.models.forEach((model, index) => {
    const folders = [resolve(config.cacheDir, model.localDir), join(realCacheDir, model.localDir)];
    const inside = own.find((file) => folders.some((folder) => holds(folder, file.path) || holds(folder, file.realPath)));
    if (!inside) return;
    const field = rawModels[index]?.local_dir === undefined ? "id" : "local_dir";
    issues.push({
      path: `models[${index}].${field}`,
      message: `the folder of model ${quote(model.id)}, ${folders[0]}, holds ${inside.what} ${inside.path}; a download or --clean would overwrite or remove it, so set another local_dir or cache_dir`,
      ...locator.locate(["models", index, field]),
    });
  });
  return issues;
}

/** Compared case-insensitively, as the folder clash rules are: on macOS and Windows `Models.yaml` is `models.yaml`. */
function samePath(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function holds(folder: string, file: string): boolean {
  const a = folder.toLowerCase();
  const b = file.toLowerCase();
  return b === a || b.startsWith(a.endsWith(sep) ? a : a + sep);
}
