import type { ModelSpec, ModelsConfig } from "../config/types.ts";
import { effectiveVerifyLevel } from "../config/types.ts";
import { ExitCode } from "../errors.ts";
import { cacheLayout } from "../layout/index.ts";
import { readIndexFor } from "../models/context.ts";
import { modelPartialProgress } from "../models/partials.ts";
import { modelState } from "../models/status.ts";
import { formatBytes, formatTable, plural } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { ListOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import { lookUpstream, type UpstreamLookup, upstreamCell, upstreamExitCode } from "./list-upstream.ts";
import type { ResultWriter } from "./output.ts";
import { describeOrigin, originOf } from "../mirror/origin.ts";

/** --list: one row per configured model with its cache status. Reads only the local disk, unless `upstream` (--refresh) asks the Hub. */
export async function runList(
  config: ModelsConfig,
  specs: readonly ModelSpec[],
  json: boolean,
  logger: Logger,
  out: ResultWriter,
  upstream?: UpstreamLookup,
): Promise<number> {
  const layout = cacheLayout(config);
  const index = await readIndexFor(layout.stateRoot, { logger });
  const rows = specs.map((spec) => {
    const state = modelState(spec, layout, index, config.path);
    const entry = state.entry;
    const usage = { bytes: layout.placement(spec, entry?.commit ?? spec.revision).bytesOnDisk(entry?.files ?? []) };
    return {
      id: spec.id,
      repoId: spec.repoId,
      repoType: spec.repoType,
      revision: spec.revision,
      commit: entry?.commit ?? null,
      status: state.status,
      files: entry?.files.length ?? 0,
      changedFiles: state.changedFiles,
      partialFiles: state.partialFiles,
      sizeOnDisk: usage.bytes,
      verify: effectiveVerifyLevel(spec, config),
      verifiedAt: entry?.verifiedAt ?? null,
      verifiedLevel: entry?.verify ?? null,
      path: state.directory,
      ...(state.problem && { problem: state.problem }),
      fetchedFrom: entry?.fetchedFrom,
    };
  });
  const upstreams = upstream ? await lookUpstream(specs, new Map(rows.map((row) => [row.id, row.commit])), upstream, logger) : undefined;
  const exitCode = upstreams ? upstreamExitCode(upstreams) : ExitCode.ok;
  if (json) {
    const models = rows.map(({ sizeOnDisk, fetchedFrom, ...row }): ListOutput["models"][number] => {
      const state = upstreams?.get(row.id);
      if (state && !state.ok) return modelFailure(row.id, state.error);
      return { ...row, ok: true, bytes: sizeOnDisk, ...originOf(fetchedFrom), ...(state ? { upstreamCommit: state.upstreamCommit, behind: state.behind } : {}) };
    });
    out.json({ ...envelope("list", exitCode, models), cacheDir: config.cacheDir, models } satisfies ListOutput);
    return exitCode;
  }
  const table = formatTable(
    ["ID", "REPOSITORY", "STATUS", "FILES", "SIZE", "VERIFY", "LAST VERIFIED", "SOURCE", ...(upstreams ? ["UPSTREAM"] : [])],
    rows.map((row, index) => [
      row.id,
      `${row.repoType === "model" ? "" : `${row.repoType}s/`}${row.repoId}@${row.revision}${row.commit && row.commit !== row.revision ? ` (${row.commit.slice(0, 7)})` : ""}`,
      describeStatus(row.status, row.partialFiles > 0 ? modelPartialProgress(layout.stateRoot, layout.partialKey(specs[index] as ModelSpec)) : undefined, row.problem),
      String(row.files),
      row.sizeOnDisk > 0 ? formatBytes(row.sizeOnDisk) : "-",
      row.verify,
      row.verifiedAt ? `${row.verifiedAt.slice(0, 19).replace("T", " ")} (${row.verifiedLevel})` : "never",
      describeOrigin(row.fetchedFrom),
      ...(upstreams ? [upstreamCell(upstreams.get(row.id))] : []),
    ]),
  );
  out.line(table);
  const cached = rows.filter((row) => row.status === "cached").length;
  logger.info(`${cached} of ${plural(rows.length, "model")} cached in ${config.cacheDir}`);
  return exitCode;
}

/** The status, and how far an interrupted download got: `partial (3.0 MiB of 12.0 MiB)`, or what is wrong: `modified (refs/main is missing)`. */
function describeStatus(status: string, partial: { bytes: number; size: number } | undefined, problem?: string): string {
  if (problem) return `${status} (${problem})`;
  if (!partial || partial.size === 0) return status;
  const progress = `${formatBytes(partial.bytes)} of ${formatBytes(partial.size)}`;
  return status === "partial" ? `partial (${progress})` : `${status} (partial: ${progress})`;
}
