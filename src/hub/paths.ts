import { relativePathProblem } from "../cache/layout.ts";
import { UnsafePathError } from "../errors.ts";
import type { Logger } from "../output/logger.ts";
import { cleanServerText } from "./server-text.ts";

/**
 * A path from the Hub becomes a path on disk under the model directory, so
 * anything that could climb out of it, or mean different things on different
 * systems, is refused before it is used.
 */
function assertSafeRepoPath(repoId: string, path: string): void {
  const reason = repoPathProblem(path);
  if (reason) throw new UnsafePathError(repoId, path, reason);
}

/** What makes a repository path unsafe to write under the model directory, if anything; the one rule for Hub listings, locks and mirror manifests. */
export function repoPathProblem(path: string): string | undefined {
  return relativePathProblem(path) ?? (/[\x00-\x1f\x7f-\x9f]/.test(path) ? "the path contains a control character" : undefined);
}

/** How many skipped paths a -v note names before it only counts them. */
const NAMED_SKIPPED_PATHS = 5;

/**
 * Only the files that will be written must be safe: one odd path in a part of
 * the repository the selection leaves out does not stop the model (said with -v).
 */
export function assertSelectedPathsSafe(repoId: string, listed: readonly string[], selected: ReadonlySet<string>, logger: Logger): void {
  const skipped: string[] = [];
  for (const path of listed) {
    if (selected.has(path)) assertSafeRepoPath(repoId, path);
    else if (repoPathProblem(path)) skipped.push(path);
  }
  if (skipped.length === 0) return;
  const named = skipped.slice(0, NAMED_SKIPPED_PATHS).map((path) => `${JSON.stringify(cleanServerText(path, 200))} (${repoPathProblem(path)})`);
  const more = skipped.length > named.length ? ` and ${skipped.length - named.length} more` : "";
  logger.debug(`${repoId}: not selected, and not safe to write here, so skipped: ${named.join(", ")}${more}`);
}
