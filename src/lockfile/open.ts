import type { ModelSpec, ModelsConfig } from "../config/types.ts";
import { type Logger, silentLogger } from "../output/logger.ts";
import { LockFileError } from "./errors.ts";
import { lockableConfigPath, lockPathFor, noLockHome } from "./lock-path.ts";
import { LOCK_MODES, type LockMode, LockSession } from "./lock-session.ts";
import { choiceArgument } from "../choice-argument.ts";

/**
 * The lock session for a run over `selected` models of `config`; undefined for a
 * configuration that did not come from a file (it has nowhere to keep a lock).
 */
export function openLockSession(
  config: ModelsConfig,
  selected: readonly ModelSpec[],
  how: { readonly lockMode: LockMode; readonly refresh?: boolean },
  logger: Logger = silentLogger,
): LockSession | undefined {
  choiceArgument(how?.lockMode, LOCK_MODES, "openLockSession: lockMode");
  const path = lockableConfigPath(config);
  if (!path) {
    if (how.lockMode === "update") return undefined;
    throw new LockFileError(`--${how.lockMode} needs a configuration file: the lock is kept beside it, and ${noLockHome(config)}`);
  }
  return LockSession.open(lockPathFor(path), how.lockMode, config.models, selected, logger, how.refresh ?? false);
}
