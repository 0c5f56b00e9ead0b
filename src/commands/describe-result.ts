import { DEFAULT_EXCLUDE, type VerifyLevel } from "../config/types.ts";
import { messageOf } from "../errors.ts";
import type { EnsureResult } from "../models/ensure.ts";
import { formatBytes, plural } from "../output/format.ts";

/** A model's success line: what was done, then how its files were verified. */
export function describeResult(result: EnsureResult): string {
  if (result.kind === "verified") return `${result.id}: ${describeVerification(result.level)}, files on disk checked again`;
  return `${result.id}: ${describeWork(result)}, ${describeVerification(result.level)}`;
}

function describeWork(result: EnsureResult): string {
  switch (result.kind) {
    case "cached":
    case "verified":
      return "cached";
    case "repair":
      return `repaired ${plural(result.downloadedFiles, "file")} (${formatBytes(result.downloadedBytes)})`;
    case "fetch":
      return result.downloadedFiles === 0
        ? "ready (all files were already on disk)"
        : `downloaded ${plural(result.downloadedFiles, "file")} (${formatBytes(result.downloadedBytes)}) at ${result.commit.slice(0, 12)}`;
    case "update":
      return `updated ${result.revision} ${result.previousCommit?.slice(0, 7)} → ${result.commit.slice(0, 7)} (${plural(result.downloadedFiles, "file")}, ${formatBytes(result.downloadedBytes)})`;
  }
}

function describeVerification(level: VerifyLevel): string {
  return level === "none" ? "not verified (verify: none)" : `verified (${level})`;
}

/** Says what the default exclude list left out and how to keep it; undefined when it left out nothing. */
export function describeDefaultExcluded(id: string, paths: readonly string[]): string | undefined {
  if (paths.length === 0) return undefined;
  const shown = paths.slice(0, 3).join(", ") + (paths.length > 3 ? ", …" : "");
  return `${id}: the default exclude list (${DEFAULT_EXCLUDE.join(", ")}) left out ${plural(paths.length, "file")} (${shown}); set "exclude: []" on the model to keep them`;
}

/** `<id>: <message>` for a model that failed, without naming the model twice when the message already does. */
export function describeFailure(id: string, error: unknown): string {
  const message = messageOf(error);
  return message.includes(`odel "${id}"`) ? message : `${id}: ${message}`;
}
