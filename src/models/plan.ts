import type { Logger } from "../output/logger.ts";
import { selectFiles } from "../config/patterns.ts";
import { DEFAULT_EXCLUDE, type ModelSpec } from "../config/types.ts";
import { closestMatch, NotFoundError } from "../errors.ts";
import type { HubApi, RemoteFile } from "../hub/api.ts";
import { isCommitSha } from "../hub/object-id.ts";
import { assertSelectedPathsSafe } from "../hub/paths.ts";

export type RemoteSnapshot = {
  /** The commit every file is taken from. */
  readonly commit: string;
  readonly files: readonly RemoteFile[];
  /** Paths left out only by the default `exclude` list (empty when the spec sets `files` or `exclude`). */
  readonly defaultExcluded: readonly string[];
};

/**
 * A snapshot fixed in advance (by the committed lock): the plan takes its commit
 * and files instead of asking the Hub, and every file is checked against it.
 */
export type PinnedSnapshot = RemoteSnapshot & {
  /** Where the pin comes from, for messages: the lock file's path. */
  readonly source: string;
  /** The selection fingerprint the pin was made for (recorded in the cache index). */
  readonly selection: string;
};

/** Decides, per model, whether a run uses a pinned snapshot, and hears what each model resolved to. */
export interface PinSource {
  /** The spec to run (the lock's repository and revision under --frozen) and its pin, if any. */
  pinFor(spec: ModelSpec): { readonly spec: ModelSpec; readonly pin?: PinnedSnapshot };
  /** A model finished at this snapshot. */
  settled(spec: ModelSpec, snapshot: RemoteSnapshot): void;
}


/**
 * Which files of the repository the spec selects, all at one commit: the
 * revision is resolved once (or `resolved` is the commit it was just resolved to) and the tree is
 * listed at that commit.
 */
export async function planSnapshot(spec: ModelSpec, api: HubApi, signal?: AbortSignal, resolved?: string): Promise<RemoteSnapshot> {
  const repo = { repoId: spec.repoId, repoType: spec.repoType };
  const commit = resolved ?? (isCommitSha(spec.revision) ? spec.revision : await api.resolveCommit(repo, spec.revision, signal));
  return selectSnapshot(spec, commit, await api.listFiles(repo, commit, signal), api.logger);
}

/** Why a files entry matched nothing, when the listing shows it: a folder written without "/", or a near miss. */
function unmatchedHint(entry: string, paths: readonly string[]): string {
  if (paths.some((path) => path.startsWith(`${entry}/`))) return ` (a folder: write "${entry}/")`;
  if (/[*?[]/.test(entry)) return "";
  const near = closestMatch(entry, paths);
  return near === undefined ? "" : ` (did you mean "${near}"?)`;
}

/** The files of `listed` (every file of the repository at `commit`) that the spec selects. */
export function selectSnapshot(spec: ModelSpec, commit: string, listed: readonly RemoteFile[], logger: Logger): RemoteSnapshot {
  const { selected, unmatched } = selectFiles(
    listed.map((file) => file.path),
    { files: spec.files, exclude: spec.exclude },
  );
  const where = `${spec.repoId} at ${spec.revision}${spec.revision === commit ? "" : ` (${commit.slice(0, 12)})`}`;
  if (unmatched.length > 0) {
    const paths = listed.map((file) => file.path);
    const names = unmatched.map((entry) => `"${entry}"${unmatchedHint(entry, paths)}`).join(", ");
    throw new NotFoundError(
      "pattern",
      `Model "${spec.id}": ${unmatched.length === 1 ? "the files entry" : "the files entries"} ${names} ${unmatched.length === 1 ? "matches" : "match"} no file in ${where}`,
    );
  }
  if (selected.length === 0) {
    throw new NotFoundError("pattern", `Model "${spec.id}": no file of ${where} is selected (${listed.length} listed, all excluded)`);
  }
  const wanted = new Set(selected);
  assertSelectedPathsSafe(spec.repoId, listed.map((file) => file.path), wanted, logger);
  const defaultExcluded = usesDefaultExclude(spec) ? listed.map((file) => file.path).filter((path) => !wanted.has(path)) : [];
  return { commit, files: listed.filter((file) => wanted.has(file.path)), defaultExcluded };
}

/** The spec names neither `files` nor `exclude`, so the default list decided what is left out. */
function usesDefaultExclude(spec: ModelSpec): boolean {
  return spec.files === undefined && spec.exclude.length === DEFAULT_EXCLUDE.length && spec.exclude.every((pattern, index) => pattern === DEFAULT_EXCLUDE[index]);
}
