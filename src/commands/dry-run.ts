import type { ModelSpec } from "../config/types.ts";
import { ExitCode, exitCodeOf } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { WorkPlan } from "../models/ensure.ts";
import { formatBytes, plural } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { DryRunOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import { describeDefaultExcluded } from "./describe-result.ts";
import { FailureReporter } from "./failure-reporter.ts";
import type { ResultWriter } from "./output.ts";

/** --dry-run: what a run would download and remove, per model. Nothing is written. */
export async function runDryRun(manager: ModelManager, specs: readonly ModelSpec[], json: boolean, logger: Logger, out: ResultWriter): Promise<number> {
  const reports = [];
  const results: DryRunOutput["models"] = [];
  let exitCode: number = ExitCode.ok;
  const reporter = new FailureReporter(logger, "planned", "Models already in the cache are planned from it; the others are not planned in this run");
  for (const spec of specs) {
    try {
      const plan = await manager.plan(spec);
      const report = toReport(plan);
      reports.push(report);
      results.push(report);
      if (!json) printPlan(plan, out);
    } catch (error) {
      reporter.failed(spec.id, error);
      results.push(modelFailure(spec.id, error));
      if (exitCode === ExitCode.ok) exitCode = exitCodeOf(error);
    }
  }
  reporter.finish();
  if (json) out.json({ ...envelope("dry-run", exitCode, results), cacheDir: manager.config.cacheDir, models: results } satisfies DryRunOutput);
  else {
    const bytes = reports.reduce((sum, report) => sum + report.downloadBytes, 0);
    const files = reports.reduce((sum, report) => sum + report.download.length, 0);
    const failed = specs.length - reports.length;
    // A total that leaves out models which could not be planned must say so, or "0 files" reads as "nothing to do".
    const unplanned = failed === 0 ? "" : `; ${plural(failed, "model")} could not be planned (see the errors)`;
    out.line(`total: would download ${plural(files, "file")} (${formatBytes(bytes)})${unplanned}`);
  }
  return exitCode;
}

function toReport(plan: WorkPlan) {
  return {
    id: plan.spec.id,
    ok: true as const,
    path: plan.directory,
    repoId: plan.spec.repoId,
    revision: plan.spec.revision,
    action: plan.kind,
    commit: plan.commit,
    ...(plan.kind === "update" && plan.previous ? { previousCommit: plan.previous.commit } : {}),
    download: plan.download.map((file) => ({ path: file.path, size: file.size })),
    downloadBytes: plan.download.reduce((sum, file) => sum + file.size, 0),
    keep: plan.keep.length,
    remove: [...plan.remove],
    defaultExcluded: [...(plan.defaultExcluded ?? [])],
  };
}

function printPlan(plan: WorkPlan, out: ResultWriter): void {
  const report = toReport(plan);
  const what =
    report.download.length === 0
      ? "nothing to download"
      : `would download ${plural(report.download.length, "file")} (${formatBytes(report.downloadBytes)})`;
  out.line(`${plan.spec.id}: ${plan.kind} at ${plan.commit.slice(0, 12)}, ${what}, ${report.keep} already in place`);
  for (const file of report.download) out.line(`  + ${file.path} (${formatBytes(file.size)})`);
  for (const path of report.remove) out.line(`  - ${path}`);
  const excluded = describeDefaultExcluded(plan.spec.id, report.defaultExcluded);
  if (excluded) out.line(excluded);
}
