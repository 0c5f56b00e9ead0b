import { resolve } from "node:path";
import { cacheLocationArgument, optionalLayoutArgument, specArgument, stringArgument, verifyLevelArgument } from "./api-arguments.ts";
import type { ModelSpecInput } from "./config/spec-input.ts";
import type { LayoutKind, VerifyLevel } from "./config/types.ts";
import type { CacheLocation } from "./layout/index.ts";
import { RunContext, type RunOptions } from "./models/context.ts";
import { ensureModel } from "./models/ensure.ts";
import { getModelPath as modelPathIn, isCached as isCachedIn } from "./models/status.ts";
import { verifyModel as verifyModelAt, type VerifyReport } from "./models/verify.ts";
import type { Logger } from "./output/logger.ts";

/** Seed API `download_model(spec, cache_dir)`: fetches the model unless it is already cached; returns its directory. */
export async function downloadModel(
  spec: ModelSpecInput,
  cacheDir: string,
  options: RunOptions & { verify?: VerifyLevel; layout?: LayoutKind } = {},
): Promise<string> {
  const model = specArgument(spec, "downloadModel: spec");
  const folder = stringArgument(cacheDir, "downloadModel: cacheDir");
  const verify = options.verify === undefined ? (model.verify ?? "size") : verifyLevelArgument(options.verify, "downloadModel: options.verify");
  const layout = optionalLayoutArgument(options.layout, "downloadModel: options.layout");
  const config = { cacheDir: resolve(folder), verify, ...(layout ? { layout } : {}) };
  return (await ensureModel(model, config, new RunContext(options))).path;
}

/** Seed API `verify_model(path, verify_level)`: checks a cached model directory against its index, offline. */
export async function verifyModel(path: string, level: VerifyLevel, options: RunOptions = {}): Promise<VerifyReport> {
  const checkedLevel = verifyLevelArgument(level, "verifyModel: level");
  return verifyModelAt(stringArgument(path, "verifyModel: path"), checkedLevel, new RunContext(options));
}

/**
 * Seed API `is_cached(spec, cache_dir)`: true only when the index entry matches the spec and every file is as it was written. No network.
 * `cache` is the cache folder, or `{ cacheDir, layout }` of a configuration (layout hf).
 * A bad index is reported on `options.logger` (and read as empty).
 */
export async function isCached(spec: ModelSpecInput, cache: CacheLocation, options: { readonly logger?: Logger } = {}): Promise<boolean> {
  return isCachedIn(specArgument(spec, "isCached: spec"), cacheLocationArgument(cache, "isCached: cache"), options);
}

/** Seed API `get_model_path(spec, cache_dir)`: where the model's files are (or will be); with layout hf, the snapshot folder. */
export function getModelPath(spec: ModelSpecInput, cache: CacheLocation): string {
  return modelPathIn(specArgument(spec, "getModelPath: spec"), cacheLocationArgument(cache, "getModelPath: cache"));
}
