/** The validated, normalised shape of a models configuration (seed: ModelSpec, ModelsConfig). */

export const VERIFY_LEVELS = ["none", "size", "sha256"] as const;
export type VerifyLevel = (typeof VERIFY_LEVELS)[number];

/** Where models go: `plain` folders under cache_dir (the default), or the standard Hugging Face cache (`hf`). */
export const LAYOUTS = ["plain", "hf"] as const;
export type LayoutKind = (typeof LAYOUTS)[number];

export const REPO_TYPES = ["model", "dataset", "space"] as const;
export type RepoType = (typeof REPO_TYPES)[number];

/** Files the original tool never downloaded; the default `exclude` when `files` is absent. */
export const DEFAULT_EXCLUDE: readonly string[] = ["*.onnx", "*.onnx_data", "*.msgpack", "*.h5", "*.tflite", "*.ot"];

export interface ModelSpec {
  /** Unique identifier; may contain "/". */
  readonly id: string;
  /** `name` or `org/name`. */
  readonly repoId: string;
  readonly repoType: RepoType;
  /** Branch, tag, 40-hex commit or `refs/pr/N`. Default "main". */
  readonly revision: string;
  /** Relative to the cache directory, "/"-separated, normalised, never escaping it. Default: the id. */
  readonly localDir: string;
  /** Exact paths or glob patterns; undefined means every file of the repository. */
  readonly files?: readonly string[];
  /** Glob patterns removed from the selection. */
  readonly exclude: readonly string[];
  /** Per-model override of the global level. */
  readonly verify?: VerifyLevel;
}

export interface ModelsConfig {
  /** Absolute path of the file the configuration was read from, when it came from a file. */
  readonly path?: string;
  /** Absolute cache directory; with layout `hf`, the Hugging Face hub cache folder. */
  readonly cacheDir: string;
  /** How messages name what chose cacheDir when the file's cache_dir did not ("--cache-dir", "HF_HUB_CACHE", "HF_HOME/hub"…). */
  readonly cacheDirSource?: string;
  /** Default "plain". */
  readonly layout?: LayoutKind;
  readonly verify: VerifyLevel;
  readonly models: readonly ModelSpec[];
  /** Mirrors (s3://bucket/prefix or https://…) looked in before the Hub; MODEL_MANAGER_MIRROR replaces them. */
  readonly mirrors?: readonly string[];
  /** Endpoint and region for s3:// mirrors; credentials come from the environment only. */
  readonly mirror?: { readonly endpoint?: string; readonly region?: string };
}

export function effectiveVerifyLevel(spec: ModelSpec, config: Pick<ModelsConfig, "verify">): VerifyLevel {
  return spec.verify ?? config.verify;
}
