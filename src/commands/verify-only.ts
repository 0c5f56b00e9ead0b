import type { ModelSpec, VerifyLevel } from "../config/types.ts";
import { BadChecksumError, describeVerificationFailure, ExitCode, NotCachedError } from "../errors.ts";
import type { ModelManager } from "../manager.ts";
import type { VerifyReport } from "../models/verify.ts";
import { formatBytes, plural } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { VerifyOnlyOutput } from "../output/json-schema.ts";
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
  const failed = reports.filter((report) => report.status === "failed").length;
  const missing = reports.filter((report) => report.status === "not-cached").length;
  logger.info(`${reports.length - failed - missing} of ${plural(reports.length, "model")} OK${failed ? `, ${failed} FAILED` : ""}${missing ? `, ${missing} not cached` : ""}`);
  const exitCode = failed > 0 ? ExitCode.verification : missing > 0 ? ExitCode.notFound : ExitCode.ok;
  if (json) {
    const models = reports.map(toJson);
    out.json({ ...envelope("verify-only", exitCode, models), cacheDir: manager.config.cacheDir, models } satisfies VerifyOnlyOutput);
  }
  return exitCode;
}

function toJson(report: VerifyReport): VerifyOnlyOutput["models"][number] {
  const base = { id: report.id, path: report.path, verify: report.level, files: report.files, bytes: report.bytes, ...(report.commit ? { commit: report.commit } : {}) };
  if (report.status !== "ok") {
    const error = report.status === "failed" ? new BadChecksumError(report.id, report.failures) : new NotCachedError(report.id, report.reason ?? "nothing is recorded for this configuration");
    return { ...base, ...modelFailure(report.id, error), status: report.status, failures: [...report.failures] };
  }
  // A model verified "ok" is recorded, so it has a commit.
  return { ...base, commit: report.commit as string, ok: true };
}

function printReport(report: VerifyReport, out: ResultWriter): void {
  if (report.status === "not-cached") {
    out.line(`NOT CACHED  ${report.id}: ${report.reason}`);
    return;
  }
  const summary = `${plural(report.files, "file")}, ${formatBytes(report.bytes)}, ${report.level}`;
  if (report.status === "ok") {
    out.line(`OK          ${report.id} (${summary})`);
    return;
  }
  out.line(`FAILED      ${report.id} (${summary})`);
  for (const failure of report.failures) out.line(`  ${describeVerificationFailure(failure)}`);
}
