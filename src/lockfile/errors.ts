import { ExitCode, ModelManagerError } from "../errors.ts";

/** The lock file cannot be used as it is: malformed, from a newer release, or missing where one is required. */
export class LockFileError extends ModelManagerError {
  override readonly code = "LOCK_FILE_ERROR";
  override readonly exitCode = ExitCode.usage;
}

/** --locked: the lock does not describe the configuration. */
export class LockOutOfDateError extends ModelManagerError {
  override readonly code = "LOCK_OUT_OF_DATE";
  override readonly exitCode = ExitCode.usage;
}

/** A file's content identity disagrees with the lock (a force-pushed history, a compromised mirror, an edited lock). */
export class LockMismatchError extends ModelManagerError {
  override readonly code = "LOCK_MISMATCH";
  override readonly exitCode = ExitCode.verification;
}
