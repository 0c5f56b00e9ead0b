/**
 * Filesystem errors as messages that name the path and the fix. A cause every
 * model of the run shares (a full disk) carries `sharedCause`, so the command
 * prints it once and each model only its own part.
 */

import { relative, sep } from "node:path";
import { ModelManagerError } from "../errors.ts";

export class FilesystemError extends ModelManagerError {
  override readonly code = "FILESYSTEM";

  constructor(
    message: string,
    readonly sharedCause?: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type FsErrorContext = {
  readonly modelId: string;
  readonly repoId: string;
  /** Where the model's files go: a path under it names a file from the Hub. */
  readonly contentRoot: string;
  readonly cacheDir: string;
  /** What chose the cache when the configuration's cache_dir did not ("--cache-dir", "HF_HUB_CACHE"…). */
  readonly cacheDirSource?: string;
  /** With a full disk: how much of the model is still to fetch, and what is kept where. */
  readonly onFullDisk?: () => string;
};

/** The errno error inside `error` (the download engine keeps it as `cause`), if any. */
export function fsErrorOf(error: unknown): NodeJS.ErrnoException | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    // Bun's lstatSync leaves `syscall` out of some (ENAMETOOLONG: code, path and errno only).
    if ("code" in current && ("syscall" in current || "errno" in current)) return current as NodeJS.ErrnoException;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

const FAILURE_WORDS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only filesystem",
  EACCES: "permission denied",
  EPERM: "permission denied",
};

/** "no space left on device": the failure in words, without a path. */
export function fsFailureWords(failure: NodeJS.ErrnoException): string {
  return (failure.code && FAILURE_WORDS[failure.code]) ?? failure.code ?? failure.message;
}

/** "<path>: no space left on device", for a warning that goes on without the write. */
export function describeFsFailure(failure: NodeJS.ErrnoException): string {
  const what = fsFailureWords(failure);
  return failure.path === undefined ? what : `${failure.path}: ${what}`;
}

/** A FilesystemError for a filesystem failure this tool can explain, else undefined. */
export function explainFsError(error: unknown, context: FsErrorContext): FilesystemError | undefined {
  if (error instanceof FilesystemError) return undefined;
  const failure = fsErrorOf(error);
  if (!failure) return undefined;
  const path = (failure as { dest?: string }).dest ?? failure.path;
  const where = path === undefined ? context.cacheDir : String(path);
  switch (failure.code) {
    case "ENOSPC":
    case "EDQUOT": {
      const cause = `the disk holding ${context.cacheDir} is full (${fsFailureWords(failure)}); free some space, or choose another cache with --cache-dir`;
      const detail = context.onFullDisk?.() ?? "stopped";
      return new FilesystemError(`${cause}: ${context.modelId} ${detail}`, cause, detail);
    }
    case "ENAMETOOLONG": {
      // A name from the Hub is at fault only when one of its parts is over the 255 bytes a name may hold.
      const fromHub = hubPath(where, context.contentRoot);
      const nameTooLong = fromHub?.split("/").some((part) => Buffer.byteLength(part) > 255);
      return new FilesystemError(
        fromHub && nameTooLong
          ? `The file name ${JSON.stringify(fromHub)} from ${context.repoId} is too long for the filesystem holding ${context.contentRoot}; leave it out with exclude: in the configuration, or use a filesystem that allows longer names`
          : `The path ${where} is too long for its filesystem; choose a shorter ${context.cacheDirSource ?? "cache_dir"} or local_dir`,
      );
    }
    case "EACCES":
    case "EPERM":
    case "EROFS": {
      // Not shared: a folder of one model may be read-only while the rest of the cache is not.
      return new FilesystemError(
        `${where} is not writable (${fsFailureWords(failure)}); give this user write access or mount it writable, or choose another cache with --cache-dir`,
      );
    }
    case "ENOTDIR":
    case "EEXIST":
      return new FilesystemError(`${where}: a file stands where a folder is needed (${failure.code}); move that file away, or choose another cache with --cache-dir`);
    default:
      return undefined;
  }
}

function hubPath(path: string, contentRoot: string): string | undefined {
  const inside = relative(contentRoot, path);
  return inside && !inside.startsWith("..") ? inside.split(sep).join("/") : undefined;
}
