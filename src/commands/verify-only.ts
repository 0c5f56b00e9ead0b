import type { ModelSpec, VerifyLevel } from "../config/types.ts";
import { describeVerificationFailure, ExitCode } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { VerifyReport } from "../models/verify.ts";
import { formatBytes } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import type { ResultWriter } from "./output.ts";

/** --verify-only: every selected model checked against the index at its level, offline. */
export async function runVerifyOnly(
  manager: ModelManager,
  specs: readonly ModelSpec[],
  levelOverride: VerifyLevel | undefined,
  json: boolean,
  logger: Logger,
  out: ResultWriter,
): Promise<number> {
  const reports: VerifyReport[] = [];
  for (const spec of specs) {
    const report = await manager.verify(spec, levelOverride ?? spec.verify ?? manager.config.verify);
    reports.push(report);
    if (!json) printReport(report, out);
  }
  if (json) out.json({ models: reports });
  const failed = reports.filter((report) => report.status === "failed").length;
  const missing = reports.filter((report) => report.status === "not-cached").length;
  logger.info(`${reports.length - failed - missing} of ${reports.length} model${reports.length === 1 ? "" : "s"} OK${failed ? `, ${failed} FAILED` : ""}${missing ? `, ${missing} not cached` : ""}`);
  if (failed > 0) return ExitCode.verification;
  if (missing > 0) return ExitCode.notFound;
  return ExitCode.ok;
}

function printReport(report: VerifyReport, out: ResultWriter): void {
  if (report.status === "not-cached") {
    out.line(`NOT CACHED  ${report.id}: ${report.reason}`);
    return;
  }
  const summary = `${report.files} file${report.files === 1 ? "" : "s"}, ${formatBytes(report.bytes)}, ${report.level}`;
  if (report.status === "ok") {
    out.line(`OK          ${report.id} (${summary})`);
    return;
  }
  out.line(`FAILED      ${report.id} (${summary})`);
  for (const failure of report.failures) out.line(`  ${describeVerificationFailure(failure)}`);
}
