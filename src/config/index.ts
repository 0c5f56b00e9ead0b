export { type ConfigWarning, type LoadOptions, loadModelsConfig, type ParseOptions, parseModelsConfig } from "./load.ts";
export {
  defaultConfigPath,
  FULL_CONFIG_FILE,
  MINIMAL_CONFIG_FILE,
  MINIMAL_MODELS_ENV,
  wantsMinimalModels,
} from "./default-path.ts";
export {
  type FileSelection,
  isGlob,
  matchesPattern,
  normaliseSlashes,
  type SelectionResult,
  selectFiles,
} from "./patterns.ts";
export { selectionFingerprint } from "./fingerprint.ts";
export { type LocalDirResult, normaliseLocalDir } from "./local-dir.ts";
export * from "./types.ts";
