import { resolve } from "node:path";
import type { LayoutKind, ModelSpec, VerifyLevel } from "./config/types.ts";
import { RunContext, type RunOptions } from "./models/context.ts";
import { ensureModel } from "./models/ensure.ts";
import { verifyModel as verifyModelAt, type VerifyReport } from "./models/verify.ts";

/** Seed API `download_model(spec, cache_dir)`: fetches the model unless it is already cached; returns its directory. */
export async function downloadModel(
  spec: ModelSpec,
  cacheDir: string,
  options: RunOptions & { verify?: VerifyLevel; layout?: LayoutKind } = {},
): Promise<string> {
  const config = { cacheDir: resolve(cacheDir), verify: options.verify ?? spec.verify ?? "size", ...(options.layout ? { layout: options.layout } : {}) };
  return (await ensureModel(spec, config, new RunContext(options))).path;
}

/** Seed API `verify_model(path, verify_level)`: checks a cached model directory against its index, offline. */
export function verifyModel(path: string, level: VerifyLevel, options: RunOptions = {}): Promise<VerifyReport> {
  return verifyModelAt(path, level, new RunContext(options));
}
