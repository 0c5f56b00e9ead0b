import { relativePathProblem } from "../cache/layout.ts";
import { UnsafePathError } from "../errors.ts";

/**
 * A path from the Hub becomes a path on disk under the model directory, so
 * anything that could climb out of it, or mean different things on different
 * systems, is refused before it is used.
 */
export function assertSafeRepoPath(repoId: string, path: string): void {
  const reason = relativePathProblem(path) ?? (/[\x00-\x1f\x7f]/.test(path) ? "the path contains a control character" : undefined);
  if (reason) throw new UnsafePathError(repoId, path, reason);
}
