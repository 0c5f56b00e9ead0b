import { UnsafePathError } from "../errors.ts";

/**
 * A path from the Hub becomes a path on disk under the model directory, so
 * anything that could climb out of it, or mean different things on different
 * systems, is refused before it is used.
 */
export function assertSafeRepoPath(repoId: string, path: string): void {
  const reason = unsafeReason(path);
  if (reason) throw new UnsafePathError(repoId, path, reason);
}

function unsafeReason(path: string): string | undefined {
  if (path.length === 0) return "empty path";
  if (path.includes("\0")) return "contains a NUL byte";
  if (/[\x00-\x1f\x7f]/.test(path)) return "contains a control character";
  if (path.includes("\\")) return "contains a backslash";
  if (path.startsWith("/")) return "is absolute";
  if (/^[a-zA-Z]:/.test(path)) return "starts with a drive letter";
  const segments = path.split("/");
  if (segments.some((segment) => segment === "..")) return "has a '..' segment";
  if (segments.some((segment) => segment === ".")) return "has a '.' segment";
  if (segments.some((segment) => segment === "")) return "has an empty segment";
  if (path.length > 4096) return "is longer than 4096 characters";
  return undefined;
}
