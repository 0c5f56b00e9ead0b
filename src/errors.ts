/**
 * Every failure the library raises is a ModelManagerError with a stable
 * `code` (for programs) and the process `exitCode` the CLI ends with.
 */

export const ExitCode = {
  ok: 0,
  download: 1,
  usage: 2,
  verification: 3,
  notFound: 4,
  accessDenied: 5,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class ModelManagerError extends Error {
  readonly code: string = "MODEL_MANAGER_ERROR";
  readonly exitCode: ExitCodeValue = ExitCode.download;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A model id that the configuration does not contain (seed: MissingModelError). */
export class MissingModelError extends ModelManagerError {
  override readonly code = "MISSING_MODEL";
  override readonly exitCode = ExitCode.notFound;

  /** `ofRepository`: the ids of the models whose repository `modelId` is (a repo id given where a model id goes). */
  constructor(
    readonly modelId: string,
    readonly knownIds: readonly string[] = [],
    ofRepository: readonly string[] = [],
  ) {
    super(missingModelMessage(modelId, knownIds, ofRepository));
  }
}

function missingModelMessage(modelId: string, knownIds: readonly string[], ofRepository: readonly string[]): string {
  if (ofRepository.length > 0) {
    const models = ofRepository.map((id) => `"${id}"`).join(", ");
    return `Model "${modelId}" is not in the configuration: it is the repository of model${ofRepository.length > 1 ? "s" : ""} ${models}; name ${ofRepository.length > 1 ? "them" : "it"} by the id.`;
  }
  const hint = closestMatch(modelId, knownIds);
  const shown = knownIds.slice(0, 10).join(", ") + (knownIds.length > 10 ? `, … (${knownIds.length} in all; see --list)` : "");
  const known = knownIds.length > 0 ? ` Configured models: ${shown}.` : " The configuration has no models.";
  return `Model "${modelId}" is not in the configuration.${hint ? ` Did you mean "${hint}"?` : ""}${known}`;
}

/** A configured model that is not in the cache, when the network may not be used. */
export class NotCachedError extends ModelManagerError {
  override readonly code = "NOT_CACHED";
  override readonly exitCode = ExitCode.notFound;

  constructor(
    readonly modelId: string,
    reason: string,
  ) {
    super(`Model "${modelId}" is not in the cache: ${reason}`);
  }
}

export type ConfigIssue = {
  /** Where in the document: `models[3].repo_id`, or "" for the whole file. */
  readonly path: string;
  readonly message: string;
  /** 1-based, when the problem can be placed in the file. */
  readonly line?: number;
  readonly column?: number;
};

/** Invalid configuration file or invalid option values. Lists every problem at once. */
export class ConfigurationError extends ModelManagerError {
  override readonly code = "CONFIGURATION_ERROR";
  override readonly exitCode = ExitCode.usage;

  constructor(
    readonly file: string | undefined,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(formatConfigIssues(file, issues));
  }
}

function formatConfigIssues(file: string | undefined, issues: readonly ConfigIssue[]): string {
  const where = file ?? "configuration";
  if (issues.length === 1 && issues[0] && !issues[0].path && issues[0].line === undefined) {
    return `${where}: ${issues[0].message}`;
  }
  const lines = issues.map((issue) => `  ${formatConfigIssue(file, issue)}`);
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return `Invalid configuration (${count}):\n${lines.join("\n")}`;
}

/** `file:line:column: path: message`, the place as precise as it is known. */
export function formatConfigIssue(file: string | undefined, issue: ConfigIssue): string {
  const where = file ?? "configuration";
  const position = issue.line !== undefined ? `${where}:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ""}` : where;
  return `${position}: ${issue.path ? `${issue.path}: ` : ""}${issue.message}`;
}

/** Invalid command-line usage: unknown flag, conflicting flags, bad flag value. */
export class UsageError extends ModelManagerError {
  override readonly code = "USAGE_ERROR";
  override readonly exitCode = ExitCode.usage;
}

/** Bytes on disk (or just downloaded) do not match what the Hub says they are. */
export class BadChecksumError extends ModelManagerError {
  override readonly code = "BAD_CHECKSUM";
  override readonly exitCode = ExitCode.verification;

  constructor(
    readonly modelId: string,
    readonly failures: readonly VerificationFailure[],
  ) {
    super(formatVerificationFailures(modelId, failures));
  }
}

export type VerificationFailure = {
  readonly path: string;
  /** "not-a-file": a symlink, folder, fifo or socket stands where the file should be (`actual` says which). */
  readonly reason: "missing" | "not-a-file" | "size" | "sha256" | "git-sha1";
  readonly expected?: string | number;
  readonly actual?: string | number;
};

export function describeVerificationFailure(failure: VerificationFailure): string {
  switch (failure.reason) {
    case "missing":
      return `${failure.path}: missing`;
    case "not-a-file":
      return `${failure.path}: not a regular file (${failure.actual})`;
    case "size":
      return `${failure.path}: wrong size (expected ${failure.expected} bytes, found ${failure.actual})`;
    case "sha256":
      return `${failure.path}: wrong sha256 (expected ${failure.expected}, got ${failure.actual})`;
    case "git-sha1":
      return `${failure.path}: wrong git blob sha1 (expected ${failure.expected}, got ${failure.actual})`;
  }
}

function formatVerificationFailures(modelId: string, failures: readonly VerificationFailure[]): string {
  const lines = failures.map((failure) => `  ${describeVerificationFailure(failure)}`);
  return `Verification failed for model "${modelId}":\n${lines.join("\n")}`;
}

/** Network or server failure that retries could not overcome. */
export class DownloadError extends ModelManagerError {
  override readonly code: string = "DOWNLOAD_ERROR";
  override readonly exitCode: ExitCodeValue = ExitCode.download;
}

/** A server announced a file size other than the listing's (Content-Length, or the total of a Content-Range). */
export class SizeMismatchError extends DownloadError {}

/** A path from the Hub that would land outside the model directory. */
export class UnsafePathError extends DownloadError {
  override readonly code = "UNSAFE_PATH";

  constructor(
    readonly repoId: string,
    readonly path: string,
    reason: string,
  ) {
    super(`Refusing path ${quotedVisibly(path)} from ${repoId}: ${reason}`);
  }
}

/** JSON quoting, plus escapes for the characters JSON leaves raw that a terminal would act on (C1, bidi overrides). */
function quotedVisibly(text: string): string {
  return JSON.stringify(text).replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The plan needs more bytes than the disk holding the cache has free. */
export class InsufficientSpaceError extends DownloadError {
  override readonly code = "INSUFFICIENT_SPACE";
}

export type NotFoundKind = "repository" | "revision" | "file" | "pattern";

/** The Hub does not have the repository, revision or file asked for. */
export class NotFoundError extends ModelManagerError {
  override readonly code = "NOT_FOUND";
  override readonly exitCode = ExitCode.notFound;

  constructor(
    readonly kind: NotFoundKind,
    message: string,
  ) {
    super(message);
  }
}

/** Token missing, invalid, or not approved for a gated repository. */
export class AccessDeniedError extends ModelManagerError {
  override readonly code = "ACCESS_DENIED";
  override readonly exitCode = ExitCode.accessDenied;
}

/** SIGINT/SIGTERM: work stopped cleanly, partial downloads were kept for resume. */
export class InterruptedError extends ModelManagerError {
  override readonly code = "INTERRUPTED";
  override readonly exitCode = ExitCode.interrupted;

  constructor(signal: string = "SIGINT") {
    super(`Interrupted by ${signal}; partial downloads were kept and will resume on the next run.`);
  }
}

export function exitCodeOf(error: unknown): ExitCodeValue {
  return error instanceof ModelManagerError ? error.exitCode : ExitCode.download;
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function closestMatch(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  const typed = lower.replace(/^-+/, "").length;
  // An abbreviation ("repo" for "repo_id") is a closer hint than any edit distance says.
  const prefixed = typed >= 3 ? candidates.filter((candidate) => candidate.toLowerCase().startsWith(lower)) : [];
  if (prefixed.length > 0) return nearest(lower, prefixed).best;
  const { best, distance } = nearest(lower, candidates);
  // Never a hint that changes every character typed: `-x` is not a typo of `-c`.
  const tolerance = Math.min(Math.max(2, Math.floor(input.length / 3)), Math.max(0, typed - 1));
  return distance <= tolerance ? best : undefined;
}

function nearest(input: string, candidates: readonly string[]): { best?: string; distance: number } {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(input, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return { best, distance: bestDistance };
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** An error's message; what was thrown, as text, when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
