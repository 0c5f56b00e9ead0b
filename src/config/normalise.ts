import { resolve } from "node:path";
import { normaliseLocalDir } from "./local-dir.ts";
import { normaliseSlashes } from "./patterns.ts";
import type { RawModelSpec, RawModelsConfig } from "./schema.ts";
import { DEFAULT_EXCLUDE, type ModelSpec, type ModelsConfig } from "./types.ts";

export interface NormaliseContext {
  readonly cwd: string;
  readonly cacheDirOverride?: string;
  readonly path?: string;
}

/** The validated file, in the library's camelCase shape with every default filled in. */
export function toModelsConfig(raw: RawModelsConfig, context: NormaliseContext): ModelsConfig {
  return {
    ...(context.path === undefined ? {} : { path: context.path }),
    cacheDir: resolve(context.cwd, context.cacheDirOverride ?? raw.cache_dir),
    verify: raw.verify,
    models: raw.models.map(toModelSpec),
  };
}

function toModelSpec(raw: RawModelSpec): ModelSpec {
  const localDir = normaliseLocalDir(raw.local_dir ?? raw.id);
  if (!("dir" in localDir)) throw new Error(`internal error: local_dir of ${raw.id} passed validation but is invalid`);
  const files = raw.files?.map(normaliseSlashes);
  return {
    id: raw.id,
    repoId: raw.repo_id,
    repoType: raw.repo_type,
    revision: raw.revision,
    localDir: localDir.dir,
    ...(files === undefined ? {} : { files }),
    exclude: raw.exclude?.map(normaliseSlashes) ?? (files === undefined ? [...DEFAULT_EXCLUDE] : []),
    ...(raw.verify === undefined ? {} : { verify: raw.verify }),
  };
}
