import type { ModelSpec } from "../config/types.ts";
import { ExitCode, exitCodeOf } from "../errors.ts";
import type { ModelManager, ModelOutcome } from "../manager.ts";
import { formatDuration } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import { describeDefaultExcluded, describeResult } from "./describe-result.ts";
import { InConfigOrder } from "./in-config-order.ts";
import type { ResultWriter } from "./output.ts";

/** The main job: every selected model present and verified; prints each model's path, in configuration order. */
export async function runDownload(manager: ModelManager, specs: readonly ModelSpec[], json: boolean, logger: Logger, out: ResultWriter): Promise<number> {
  const started = performance.now();
  const results = new InConfigOrder<ModelOutcome>(
    specs.map((spec) => spec.id),
    (outcome) => {
      if (outcome.ok && !json) out.line(`${outcome.id}\t${outcome.result.path}`);
    },
  );
  const outcomes = await manager.ensureEach(specs, (outcome) => {
    if (!outcome.ok) {
      logger.error(`${outcome.id}: ${messageOf(outcome.error)}`);
    } else {
      logger.info(describeResult(outcome.result));
      const excluded = describeDefaultExcluded(outcome.id, outcome.result.defaultExcluded);
      if (excluded) logger.info(excluded);
    }
    results.settle(outcome.id, outcome);
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

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
