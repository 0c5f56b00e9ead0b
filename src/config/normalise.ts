import { resolve } from "node:path";
import { hfHubCache } from "../layout/hf-root.ts";
import { normaliseLocalDir } from "./local-dir.ts";
import { normaliseSlashes } from "./patterns.ts";
import type { RawModelSpec, RawModelsConfig } from "./schema.ts";
import { DEFAULT_EXCLUDE, type ModelSpec, type ModelsConfig } from "./types.ts";

export interface NormaliseContext {
  readonly cwd: string;
  readonly cacheDirOverride?: string;
  /** How messages name the override ("--cache-dir"). */
  readonly cacheDirOverrideName?: string;
  readonly path?: string;
  /** Read for the Hugging Face cache folder with layout hf. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The default plain cache folder, relative to the working directory. */
const DEFAULT_CACHE_DIR = "models";

/** cache_dir or --cache-dir when given; otherwise `models`, or with layout hf the Hugging Face cache (HF_HUB_CACHE, HF_HOME…). */
function cacheDirOf(raw: RawModelsConfig, context: NormaliseContext): Pick<ModelsConfig, "cacheDir" | "cacheDirSource"> {
  if (context.cacheDirOverride !== undefined) {
    return { cacheDir: resolve(context.cwd, context.cacheDirOverride), ...(context.cacheDirOverrideName ? { cacheDirSource: context.cacheDirOverrideName } : {}) };
  }
  if (raw.cache_dir === undefined && raw.layout === "hf") {
    const { dir, source } = hfHubCache(context.env, context.cwd);
    return { cacheDir: dir, cacheDirSource: source };
  }
  return { cacheDir: resolve(context.cwd, raw.cache_dir ?? DEFAULT_CACHE_DIR) };
}

/** The validated file, in the library's camelCase shape with every default filled in. */
export function toModelsConfig(raw: RawModelsConfig, context: NormaliseContext): ModelsConfig {
  return {
    ...(context.path === undefined ? {} : { path: context.path }),
    ...cacheDirOf(raw, context),
    ...(raw.layout === "plain" ? {} : { layout: raw.layout }),
    verify: raw.verify,
    models: raw.models.map(toModelSpec),
    ...(raw.mirrors === undefined ? {} : { mirrors: raw.mirrors }),
    ...(raw.mirror === undefined ? {} : { mirror: { ...(raw.mirror.endpoint ? { endpoint: raw.mirror.endpoint } : {}), ...(raw.mirror.region ? { region: raw.mirror.region } : {}) } }),
  };
}

export function toModelSpec(raw: RawModelSpec): ModelSpec {
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
