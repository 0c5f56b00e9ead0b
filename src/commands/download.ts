import type { ModelSpec } from "../config/types.ts";
import { ExitCode, exitCodeOf } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { EnsureResult } from "../models/ensure.ts";
import { formatBytes, formatDuration } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import type { ResultWriter } from "./output.ts";

/** The main job: every selected model present and verified; prints each model's path when it is ready. */
export async function runDownload(manager: ModelManager, specs: readonly ModelSpec[], json: boolean, logger: Logger, out: ResultWriter): Promise<number> {
  const started = performance.now();
  const outcomes = await manager.ensureEach(specs, (outcome) => {
    if (!outcome.ok) {
      logger.error(`${outcome.id}: ${messageOf(outcome.error)}`);
      return;
    }
    logger.info(describeResult(outcome.result));
    if (!json) out.line(`${outcome.id}\t${outcome.result.path}`);
  });
  if (json) {
    out.json(Object.fromEntries(outcomes.flatMap((outcome) => (outcome.ok ? [[outcome.id, outcome.result.path]] : []))));
  }
  const failures = outcomes.filter((outcome) => !outcome.ok);
  const ready = outcomes.length - failures.length;
  if (specs.length > 1 || failures.length > 0) {
    logger.info(`${ready} of ${specs.length} model${specs.length === 1 ? "" : "s"} ready in ${formatDuration(performance.now() - started)}${failures.length > 0 ? `; ${failures.length} failed` : ""}`);
  }
  const first = failures[0];
  return first && !first.ok ? exitCodeOf(first.error) : ExitCode.ok;
}

function describeResult(result: EnsureResult): string {
  switch (result.kind) {
    case "cached":
      return `${result.id}: cached`;
    case "verified":
      return `${result.id}: verified`;
    case "repair":
      return `${result.id}: repaired ${result.downloadedFiles} file${result.downloadedFiles === 1 ? "" : "s"} (${formatBytes(result.downloadedBytes)})`;
    case "fetch":
      return result.downloadedFiles === 0
        ? `${result.id}: ready (all files were already on disk)`
        : `${result.id}: downloaded ${result.downloadedFiles} file${result.downloadedFiles === 1 ? "" : "s"} (${formatBytes(result.downloadedBytes)}) at ${result.commit.slice(0, 12)}`;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
