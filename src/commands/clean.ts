import type { ModelSpec } from "../config/types.ts";
import { ExitCode } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { CleanReport } from "../models/clean.ts";
import { formatBytes } from "../output/format.ts";
import type { ResultWriter } from "./output.ts";

/** --clean / --clean-model: remove models, their partial downloads and quarantined copies. */
export async function runClean(manager: ModelManager, specs: readonly ModelSpec[], dryRun: boolean, json: boolean, out: ResultWriter): Promise<number> {
  const reports: CleanReport[] = [];
  for (const spec of specs) {
    const report = await manager.clean(spec, { dryRun });
    reports.push(report);
    if (!json) printReport(report, dryRun, out);
  }
  const bytes = reports.reduce((sum, report) => sum + report.bytes, 0);
  if (json) out.json({ dryRun, bytes, models: reports });
  else out.line(`${dryRun ? "would free" : "freed"} ${formatBytes(bytes)}`);
  return ExitCode.ok;
}

function printReport(report: CleanReport, dryRun: boolean, out: ResultWriter): void {
  if (report.wasEmpty) {
    out.line(`${report.id}: not in the cache, nothing to remove`);
    return;
  }
  out.line(`${report.id}: ${dryRun ? "would remove" : "removed"} ${formatBytes(report.bytes)}${report.indexed ? "" : " (not in the index)"}`);
  for (const path of report.removed) out.line(`  ${dryRun ? "would remove" : "removed"} ${path}`);
}
