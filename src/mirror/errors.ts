import { DownloadError, ExitCode, ModelManagerError } from "../errors.ts";

/** A mirror answered with something unusable (a malformed manifest, a server error, a missing bucket). */
export class MirrorError extends DownloadError {
  override readonly code = "MIRROR_ERROR";
}

/** The mirror refused the credentials or the request (HTTP 401/403): exit 5, like the Hub refusing access. */
export class MirrorAccessError extends ModelManagerError {
  override readonly code = "MIRROR_ACCESS_DENIED";
  override readonly exitCode = ExitCode.accessDenied;
}

/** The mirror could not be reached at all (DNS, refused connection, TLS): the Hub is used instead. */
export class MirrorUnreachableError extends MirrorError {}

/** The mirror's object for a blob its manifest lists is missing (404) or shorter than listed (416): that file comes from the Hub. */
export class MirrorBlobError extends MirrorError {}

/** The mirror's location is wrong (no such bucket, the wrong region): a configuration to fix, not worked around. */
export class MirrorSetupError extends MirrorError {}
