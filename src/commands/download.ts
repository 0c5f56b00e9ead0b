import type { ModelSpec } from "../config/types.ts";
import { ExitCode, exitCodeOf, InterruptedError } from "../errors.ts";
import type { ModelManager, ModelOutcome } from "../manager.ts";
import { formatDuration, plural } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { DownloadOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import { describeDefaultExcluded, describeResult } from "./describe-result.ts";
import { FailureReporter } from "./failure-reporter.ts";
import { InConfigOrder } from "./in-config-order.ts";
import type { ResultWriter } from "./output.ts";
import { originOf } from "../mirror/origin.ts";

/**
 * The main job: every selected model present and verified; prints each model's path, in configuration order.
 * `endProgress` takes the live display away before the summary is printed.
 */
export async function runDownload(
  manager: ModelManager,
  specs: readonly ModelSpec[],
  json: boolean,
  logger: Logger,
  out: ResultWriter,
  endProgress: () => void = () => {},
): Promise<number> {
  const started = performance.now();
  const results = new InConfigOrder<ModelOutcome>(
    specs.map((spec) => spec.id),
    (outcome) => {
      if (outcome.ok && !json) out.line(`${outcome.id}\t${outcome.result.path}`);
    },
  );
  const reporter = new FailureReporter(logger, "downloaded", "Models already in the cache are served; the others are not downloaded in this run");
  const outcomes = await manager.ensureEach(specs, (outcome) => {
    if (!outcome.ok) {
      reporter.failed(outcome.id, outcome.error);
    } else {
      logger.info(describeResult(outcome.result));
      const excluded = describeDefaultExcluded(outcome.id, outcome.result.defaultExcluded);
      if (excluded) logger.info(excluded);
    }
    results.settle(outcome.id, outcome);
  });
  endProgress();
  reporter.finish();
  const failures = outcomes.filter((outcome) => !outcome.ok);
  const ready = outcomes.length - failures.length;
  if (specs.length > 1 || failures.length > 0) {
    logger.info(`${ready} of ${plural(specs.length, "model")} ready in ${formatDuration(performance.now() - started)}${failures.length > 0 ? `; ${failures.length} failed` : ""}`);
  }
  const first = failures[0];
  const exitCode = first && !first.ok ? exitCodeOf(first.error) : ExitCode.ok;
  if (json) out.json(downloadJson(manager.config.cacheDir, specs, outcomes, exitCode));
  return exitCode;
}

function downloadJson(cacheDir: string, specs: readonly ModelSpec[], outcomes: readonly ModelOutcome[], exitCode: number): DownloadOutput {
  const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
  const models = specs.map((spec): DownloadOutput["models"][number] => {
    // A model not reached before an interruption has no outcome.
    const outcome = byId.get(spec.id) ?? { id: spec.id, ok: false, error: new InterruptedError() };
    if (!outcome.ok) return modelFailure(spec.id, outcome.error);
    const { result } = outcome;
    return {
      id: spec.id,
      ok: true,
      path: result.path,
      repoId: spec.repoId,
      revision: spec.revision,
      commit: result.commit,
      ...(result.previousCommit ? { previousCommit: result.previousCommit } : {}),
      action: result.kind,
      files: result.files,
      bytes: result.bytes,
      downloadedFiles: result.downloadedFiles,
      downloadedBytes: result.downloadedBytes,
      ...(result.reusedBytes ? { reusedBytes: result.reusedBytes } : {}),
      verify: result.level,
      defaultExcluded: [...result.defaultExcluded],
      ...originOf(result.fetchedFrom),
    };
  });
  return { ...envelope("download", exitCode, models), cacheDir, models };
}
