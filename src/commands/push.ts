import type { ModelSpec } from "../config/types.ts";
import { ExitCode } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { Mirror } from "../mirror/mirror.ts";
import { type PushReport, pushModel } from "../mirror/push.ts";
import type { RunContext } from "../models/context.ts";
import { formatBytes, formatDuration } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { PushOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import type { ProgressDisplay } from "../output/progress.ts";
import { messageOf } from "./describe-result.ts";
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
  const models: ModelResult[] = [];
  const totals: Totals = { uploadedFiles: 0, uploadedBytes: 0, skippedFiles: 0, skippedBytes: 0 };
  try {
    for (const outcome of outcomes) {
      if (context.signal?.aborted) throw context.signal.reason;
      const spec = specs.find((candidate) => candidate.id === outcome.id) as ModelSpec;
      try {
        if (!outcome.ok) throw outcome.error;
        const { result } = outcome;
        const tree = await context.hub.api.listFiles({ repoId: spec.repoId, repoType: spec.repoType }, result.commit, context.signal);
        const report = await pushModel(mirror, spec, result, tree, context.hub.http, uploads, context.signal);
        const pushed = totalsOf(report);
        for (const key of Object.keys(totals) as (keyof Totals)[]) totals[key] += pushed[key];
        logger.info(
          `${spec.id}: ${result.commit.slice(0, 12)} pushed to ${mirror.display}: ${pushed.uploadedFiles} file${pushed.uploadedFiles === 1 ? "" : "s"} uploaded (${formatBytes(pushed.uploadedBytes)}), ${pushed.skippedFiles} already there`,
        );
        models.push(pushedJson(spec, result.commit, pushed, report));
      } catch (error) {
        if (context.signal?.aborted) throw error;
        logger.error(`${spec.id}: ${messageOf(error)}`);
        models.push(modelFailure(spec.id, error));
      }
    }
  } finally {
    uploads.stop();
  }
  logger.info(`uploaded ${totals.uploadedFiles} file${totals.uploadedFiles === 1 ? "" : "s"} (${formatBytes(totals.uploadedBytes)}), skipped ${totals.skippedFiles} already in the mirror (${formatBytes(totals.skippedBytes)}) in ${formatDuration(performance.now() - started)}`);
  const failure = models.find((model) => !model.ok);
  const exitCode = failure && !failure.ok ? failure.exitCode : ExitCode.ok;
  if (json) out.json({ ...envelope("push", exitCode, models), mirror: mirror.display, cacheDir: manager.config.cacheDir, models } satisfies PushOutput);
  else if (exitCode === ExitCode.ok) out.line(mirror.display);
  return exitCode;
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
