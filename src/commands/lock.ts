import type { ModelSpec, ModelsConfig } from "../config/types.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { LockFileError } from "../lockfile/errors.ts";
import { noLockHome } from "../lockfile/lock-path.ts";
import { openLockSession } from "../lockfile/open.ts";
import { MODEL_CONCURRENCY } from "../manager.ts";
import type { RunContext } from "../models/context.ts";
import { inLanes } from "../models/in-lanes.ts";
import { planSnapshot, type RemoteSnapshot } from "../models/plan.ts";
import { plural } from "../output/format.ts";
import { envelope, modelFailure } from "../output/json-report.ts";
import type { LockOutput } from "../output/json-schema.ts";
import type { Logger } from "../output/logger.ts";
import { FailureReporter } from "./failure-reporter.ts";
import type { CliOptions } from "./options.ts";
import type { ResultWriter } from "./output.ts";

/**
 * `model-manager lock`: resolves every configured model that the lock does not
 * already pin (new, or changed in the configuration) and writes the lock. Nothing
 * is downloaded. Pinned models keep their commit: the lock moves only with --refresh.
 */
export async function runLock(
  config: ModelsConfig,
  context: RunContext,
  options: Pick<CliOptions, "json" | "refresh">,
  logger: Logger,
  out: ResultWriter,
): Promise<number> {
  // With --refresh nothing is pinned: every model is resolved again and moves with its branch or tag.
  const session = openLockSession(config, config.models, { lockMode: "update", refresh: options.refresh }, logger);
  if (!session) throw new LockFileError(`the lock command needs a configuration file: the lock is written beside it, and ${noLockHome(config)}`);
  requireHubFor(config.models.filter((spec) => !session.pinFor(spec).pin), context, session.path);
  const reporter = new FailureReporter(logger, "locked");
  const lockOne = async (spec: ModelSpec): Promise<LockOutput["models"][number]> => {
    const pinned = session.pinFor(spec).pin;
    const summary = (snapshot: RemoteSnapshot, resolved: boolean) =>
      ({ id: spec.id, ok: true, repoId: spec.repoId, repoType: spec.repoType, revision: spec.revision, commit: snapshot.commit, files: snapshot.files.length, resolved }) as const;
    if (pinned) {
      logger.debug(`${spec.id}: already pinned by the lock`);
      return summary(pinned, false);
    }
    try {
      const snapshot = await planSnapshot(spec, context.hub.api, context.signal);
      session.settled(spec, snapshot);
      logger.info(`${spec.id}: ${spec.repoId} ${spec.revision} → ${snapshot.commit.slice(0, 12)} (${plural(snapshot.files.length, "file")})`);
      return summary(snapshot, true);
    } catch (error) {
      if (context.signal?.aborted) throw error;
      reporter.failed(spec.id, error);
      return modelFailure(spec.id, error);
    }
  };
  // A few models at a time, like a download: each costs a revision and a tree request.
  const models = await inLanes(config.models, MODEL_CONCURRENCY, lockOne, context.signal);
  if (context.signal?.aborted) throw context.signal.reason;
  reporter.finish();
  const failure = models.find((model) => !model.ok);
  const exitCode = failure && !failure.ok ? failure.exitCode : ExitCode.ok;
  if (exitCode !== ExitCode.ok) logger.error(`the lock ${session.path} was not written: every model must resolve`);
  const written = exitCode === ExitCode.ok && session.finish({ create: true });
  if (options.json) out.json({ ...envelope("lock", exitCode, models), lockFile: session.path, written, models } satisfies LockOutput);
  else if (exitCode === ExitCode.ok) out.line(session.path);
  return exitCode;
}

/** Offline, a lock whose every model is already pinned is still checked and tidied; resolving one needs the Hub. */
function requireHubFor(unpinned: readonly ModelSpec[], context: RunContext, lockPath: string): void {
  if (!context.settings.offline || unpinned.length === 0) return;
  const ids = unpinned.map((spec) => spec.id).join(", ");
  throw new UsageError(
    `HF_HUB_OFFLINE is set, but the lock must resolve ${unpinned.length === 1 ? "a model" : `${unpinned.length} models`} on the Hub (new, or changed in the configuration): ${ids}; run \`lock\` without HF_HUB_OFFLINE. ${lockPath} is unchanged`,
  );
}
