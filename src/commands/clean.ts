import type { ModelSpec } from "../config/types.ts";
import { ExitCode, exitCodeOf } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { CleanReport } from "../models/clean.ts";
import { formatBytes } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { CleanOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import { FailureReporter } from "./failure-reporter.ts";
import type { ResultWriter } from "./output.ts";

/** --clean / --clean-model: remove models, their partial downloads and quarantined copies. */
export async function runClean(
  command: "clean" | "clean-model",
  manager: ModelManager,
  specs: readonly ModelSpec[],
  dryRun: boolean,
  json: boolean,
  logger: Logger,
  out: ResultWriter,
): Promise<number> {
  const reports: CleanReport[] = [];
  const results: CleanOutput["models"] = [];
  let exitCode: number = ExitCode.ok;
  const failures = new FailureReporter(logger, "removed");
  for (const spec of specs) {
    try {
      const report = await manager.clean(spec, { dryRun });
      reports.push(report);
      results.push({ ...report, ok: true, removed: [...report.removed], left: [...report.left], keptFor: [...report.keptFor] });
      if (!json) printReport(report, dryRun, out);
    } catch (error) {
      // One model that cannot be removed does not keep the others in place.
      failures.failed(spec.id, error);
      results.push(modelFailure(spec.id, error));
      if (exitCode === ExitCode.ok) exitCode = exitCodeOf(error);
    }
  }
  failures.finish();
  const bytes = reports.reduce((sum, report) => sum + report.bytes, 0);
  if (json) out.json({ ...envelope(command, exitCode, results), dryRun, bytes, cacheDir: manager.config.cacheDir, models: results } satisfies CleanOutput);
  else out.line(`${dryRun ? "would free" : "freed"} ${formatBytes(bytes)}`);
  return exitCode;
}

function printReport(report: CleanReport, dryRun: boolean, out: ResultWriter): void {
  if (report.wasEmpty) out.line(`${report.id}: not in the cache, nothing to remove`);
  else {
    out.line(`${report.id}: ${dryRun ? "would remove" : "removed"} ${formatBytes(report.bytes)}${report.indexed ? "" : " (not in the index)"}`);
    for (const path of report.removed) out.line(`  ${dryRun ? "would remove" : "removed"} ${path}`);
  }
  for (const path of report.left) out.line(`  left ${path} as it is: the cache index does not record ${report.id} there and model-manager did not write it`);
  for (const config of report.keptFor) out.line(`  kept what ${config} recorded for ${report.id}: that configuration still uses it`);
}
