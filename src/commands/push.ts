import type { ModelSpec } from "../config/types.ts";
import { ExitCode, InterruptedError } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { Mirror } from "../mirror/mirror.ts";
import { type PushReport, pushModel } from "../mirror/push.ts";
import type { RunContext } from "../models/context.ts";
import { formatBytes, formatDuration, plural } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { PushOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import type { ProgressDisplay } from "../output/progress.ts";
import { FailureReporter } from "./failure-reporter.ts";
import type { ResultWriter } from "./output.ts";

/** The live display of a push: the downloads that make the models present end, then the uploads get their own. */
export type PushProgress = { readonly endDownloads: () => void; readonly startUploads: () => ProgressDisplay };

type Totals = { uploadedFiles: number; uploadedBytes: number; skippedFiles: number; skippedBytes: number };
type ModelResult = PushOutput["models"][number];

/**
 * `model-manager push s3://bucket/prefix`: every selected model is made present and verified
 * (a normal run, at sha256), then uploaded to the mirror; prints the mirror URL when all went
 * (with --json, what each model uploaded and skipped).
 */
export async function runPush(
  manager: ModelManager,
  specs: readonly ModelSpec[],
  mirror: Mirror,
  context: RunContext,
  json: boolean,
  logger: Logger,
  out: ResultWriter,
  progress: PushProgress,
): Promise<number> {
  const started = performance.now();
  mirror.client();
  const outcomes = await manager.ensureEach(specs);
  progress.endDownloads();
  const uploads = progress.startUploads();
  const results = new Map<string, ModelResult>();
  const reporter = new FailureReporter(logger, "pushed");
  const totals: Totals = { uploadedFiles: 0, uploadedBytes: 0, skippedFiles: 0, skippedBytes: 0 };
  let sameContent = 0;
  const specById = new Map(specs.map((spec) => [spec.id, spec]));
  try {
    for (const outcome of outcomes) {
      if (context.signal?.aborted) break;
      const spec = specById.get(outcome.id) as ModelSpec;
      try {
        if (!outcome.ok) throw outcome.error;
        const { result } = outcome;
        const tree = await context.hub.api.listFiles({ repoId: spec.repoId, repoType: spec.repoType }, result.commit, context.signal);
        const report = await pushModel(mirror, spec, result, tree, context.hub.http, uploads, context.signal);
        const pushed = totalsOf(report);
        for (const key of Object.keys(totals) as (keyof Totals)[]) totals[key] += pushed[key];
        const copies = report.skipped.filter((blob) => blob.sameAs !== undefined).length;
        sameContent += copies;
        logger.info(
          `${spec.id}: ${result.commit.slice(0, 12)} pushed to ${mirror.display}: ${plural(pushed.uploadedFiles, "file")} uploaded (${formatBytes(pushed.uploadedBytes)}), ${pushed.skippedFiles - copies} already there${copies > 0 ? `, ${copies} the same content as another file (one blob)` : ""}`,
        );
        results.set(spec.id, pushedJson(spec, result.commit, pushed, report));
      } catch (error) {
        // An interrupted model is reported below with the ones never reached.
        if (context.signal?.aborted) break;
        reporter.failed(spec.id, error);
        results.set(spec.id, modelFailure(spec.id, error));
      }
    }
  } finally {
    uploads.stop();
  }
  reporter.finish();
  const interruption = context.signal?.aborted ? interruptionOf(context.signal.reason) : undefined;
  if (interruption) {
    logger.error(interruption.message);
    logger.info(`the blobs uploaded so far stay in ${mirror.display} (the next push skips them); a model's manifest is only written once all its blobs are there`);
  }
  logger.info(`uploaded ${plural(totals.uploadedFiles, "file")} (${formatBytes(totals.uploadedBytes)}), skipped ${totals.skippedFiles} already in the mirror${sameContent > 0 ? " or the same content as another file" : ""} (${formatBytes(totals.skippedBytes)}) in ${formatDuration(performance.now() - started)}`);
  const models = specs.map((spec) => results.get(spec.id) ?? modelFailure(spec.id, interruption ?? new InterruptedError()));
  const failure = models.find((model) => !model.ok);
  const exitCode = interruption ? ExitCode.interrupted : failure && !failure.ok ? failure.exitCode : ExitCode.ok;
  if (json) out.json({ ...envelope("push", exitCode, models), mirror: mirror.display, cacheDir: manager.config.cacheDir, models } satisfies PushOutput);
  else if (exitCode === ExitCode.ok) out.line(mirror.display);
  return exitCode;
}

function interruptionOf(reason: unknown): InterruptedError {
  return reason instanceof InterruptedError ? reason : new InterruptedError();
}

function pushedJson(spec: ModelSpec, commit: string, totals: Totals, report: PushReport): ModelResult {
  return {
    id: spec.id,
    ok: true,
    repoId: spec.repoId,
    repoType: spec.repoType,
    revision: spec.revision,
    commit,
    ...totals,
    uploaded: [...report.uploaded],
    skipped: [...report.skipped],
    manifest: report.manifest.key,
    manifestWritten: report.manifest.written,
    ...(report.ref !== undefined ? { ref: report.ref } : {}),
  };
}

function totalsOf(report: PushReport): Totals {
  const bytes = (blobs: PushReport["uploaded"]) => blobs.reduce((sum, blob) => sum + blob.size, 0);
  return { uploadedFiles: report.uploaded.length, uploadedBytes: bytes(report.uploaded), skippedFiles: report.skipped.length, skippedBytes: bytes(report.skipped) };
}
