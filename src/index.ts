/** model-manager as a library: the seed's API in camelCase. */
export { downloadModel, getModelPath, isCached, verifyModel } from "./api.ts";
export { type ManagerOptions, type ModelOutcome, ModelManager, ensureModels } from "./manager.ts";
export type { ModelState, ModelStatus } from "./models/status.ts";
export type { ModelSpecInput } from "./config/spec-input.ts";
export type { RunOptions } from "./models/context.ts";
export type { EnsureResult, WorkPlan } from "./models/ensure.ts";
export type { VerifyReport } from "./models/verify.ts";
export type { CleanReport } from "./models/clean.ts";
export { loadModelsConfig, parseModelsConfig, defaultConfigPath, selectFiles } from "./config/index.ts";
export { DEFAULT_EXCLUDE, LAYOUTS, REPO_TYPES, VERIFY_LEVELS, type LayoutKind, type ModelSpec, type ModelsConfig, type RepoType, type VerifyLevel } from "./config/types.ts";
export {
  AccessDeniedError,
  BadChecksumError,
  type ConfigIssue,
  ConfigurationError,
  DownloadError,
  ExitCode,
  InsufficientSpaceError,
  InterruptedError,
  MissingModelError,
  ModelManagerError,
  NotCachedError,
  NotFoundError,
  UnsafePathError,
  UsageError,
  type VerificationFailure,
} from "./errors.ts";
export { LockFileError, LockMismatchError, LockOutOfDateError } from "./lockfile/errors.ts";
export { type LockMode, LockSession } from "./lockfile/lock-session.ts";
export { openLockSession } from "./lockfile/open.ts";
export { lockPathFor } from "./lockfile/lock-path.ts";
export { readLock } from "./lockfile/read-lock.ts";
export type { LockedFile, LockedModel, LockFile } from "./lockfile/schema.ts";
export { buildSbom } from "./lockfile/sbom.ts";
export type { ManagerRunOptions } from "./manager.ts";
export { ConsoleLogger, type Logger } from "./output/logger.ts";
export { type HubSettings, readHubSettings } from "./hub/settings.ts";
export type { TransferObserver } from "./transfer/observer.ts";
export { VERSION } from "./version.ts";
