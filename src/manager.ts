import { configArgument, loadOptionsArgument, optionalStringArgument, optionsArgument, specArgument, stringArgument, verifyLevelArgument } from "./api-arguments.ts";
import { defaultConfigPath } from "./config/default-path.ts";
import { loadModelsConfig, type LoadOptions } from "./config/load.ts";
import type { ModelSpec, ModelsConfig, VerifyLevel } from "./config/types.ts";
import { describeValue } from "./config/describe.ts";
import { MissingModelError, UsageError } from "./errors.ts";
import { cacheLayout } from "./layout/index.ts";
import { configuredMirrors } from "./mirror/configured.ts";
import { cleanModel, type CleanReport } from "./models/clean.ts";
import { readIndexFor, RunContext, type RunOptions } from "./models/context.ts";
import { type EnsureResult, ensureModel, planModelWork, type WorkPlan } from "./models/ensure.ts";
import { recordedEntry } from "./models/records.ts";
import { upstreamCommit } from "./models/refresh.ts";
import { inLanes } from "./models/in-lanes.ts";
import type { PinSource } from "./models/plan.ts";
import { verifyCachedModel, type VerifyReport } from "./models/verify.ts";

export type ManagerOptions = RunOptions & LoadOptions;

/**
 * Run options, or the context of a run already under way (the CLI's commands share one Hub client);
 * plus, optionally, where pinned commits and files come from (the committed lock).
 */
export type ManagerRunOptions = (RunOptions | { readonly context: RunContext }) & { readonly pins?: PinSource };

/** Outcome of one model in a run over several. */
export type ModelOutcome = { readonly id: string } & ({ readonly ok: true; readonly result: EnsureResult } | { readonly ok: false; readonly error: unknown });

/** Models handled at once; they share one connection budget, so this only overlaps their Hub round trips. */
export const MODEL_CONCURRENCY = 4;

/** Central manager for model operations (seed: ModelManager). */
export class ModelManager {
  private readonly context: RunContext;
  private readonly pins: PinSource | undefined;

  constructor(
    readonly config: ModelsConfig,
    given?: ManagerRunOptions,
  ) {
    configArgument(config, "new ModelManager: config");
    const options = optionsArgument(given, "new ModelManager: options");
    // The environment's MODEL_MANAGER_MIRROR is read here for library users; the CLI passes its own.
    this.context = "context" in options ? options.context : new RunContext({ ...options, mirrors: options.mirrors ?? configuredMirrors(config, process.env) });
    this.pins = options.pins;
  }

  /** Reads a configuration file; without a path, the seed's default (CI_MINIMAL_MODELS selects the minimal set). */
  static fromConfig(configPath?: string, given?: ManagerOptions): ModelManager {
    const options = loadOptionsArgument(given, "ModelManager.fromConfig: options");
    const cwd = options.cwd ?? process.cwd();
    const path = optionalStringArgument(configPath, "ModelManager.fromConfig: configPath") ?? defaultConfigPath(process.env, cwd);
    const onWarning = options.onWarning ?? ((warning) => options.logger?.warn(warning.message));
    return new ModelManager(loadModelsConfig(path, { cwd, cacheDir: options.cacheDir, onWarning }), options);
  }

  getModelSpec(modelId: string): ModelSpec {
    return findModelSpec(this.config, stringArgument(modelId, "model id"));
  }

  /** Downloads (if needed) and verifies one model; returns its absolute directory. */
  async ensureModel(modelId: string): Promise<string> {
    return (await this.ensurePinned(this.getModelSpec(modelId))).path;
  }

  /** Every configured model; returns id → absolute directory. Throws the first failure after trying them all. */
  async ensureAll(): Promise<Record<string, string>> {
    const outcomes = await this.ensureEach(this.config.models);
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed && !failed.ok) throw failed.error;
    return Object.fromEntries(outcomes.flatMap((outcome) => (outcome.ok ? [[outcome.id, outcome.result.path]] : [])));
  }

  /**
   * Runs every spec, a few at a time, and reports each outcome instead of stopping at the first failure.
   * A throwing `onOutcome` rejects the call once every model is settled, never with work still running.
   */
  async ensureEach(specs: readonly ModelSpec[], onOutcome?: (outcome: ModelOutcome) => void): Promise<ModelOutcome[]> {
    if (!Array.isArray(specs)) throw new UsageError(`ensureEach: specs must be a list of model specs, found ${describeValue(specs)}`);
    let callbackFailure: { readonly error: unknown } | undefined;
    const ensureOne = async (spec: ModelSpec): Promise<ModelOutcome> => {
      let outcome: ModelOutcome;
      try {
        const model = specArgument(spec, "ensureEach: spec");
        outcome = { id: model.id, ok: true, result: await this.ensurePinned(model) };
      } catch (error) {
        outcome = { id: String(spec?.id), ok: false, error };
      }
      try {
        onOutcome?.(outcome);
      } catch (error) {
        callbackFailure ??= { error };
      }
      return outcome;
    };
    const outcomes = await inLanes(specs, MODEL_CONCURRENCY, ensureOne, this.context.signal);
    if (callbackFailure) throw callbackFailure.error;
    return outcomes;
  }

  /** Where the model's branch or tag points on the Hub now (one request); undefined when it is pinned to a commit or not cached for this configuration. */
  async upstreamCommit(spec: ModelSpec): Promise<string | undefined> {
    const model = specArgument(spec, "upstreamCommit: spec");
    const layout = cacheLayout(this.config);
    const index = await readIndexFor(layout.stateRoot, this.context);
    return upstreamCommit(model, recordedEntry(index, model, layout, this.config.path), layout, this.context);
  }

  /** What a run would do for a model, without doing it. */
  async plan(spec: ModelSpec): Promise<WorkPlan> {
    const model = specArgument(spec, "plan: spec");
    const pinned = this.pins?.pinFor(model);
    return planModelWork(pinned?.spec ?? model, this.config, this.context, pinned?.pin);
  }

  private async ensurePinned(spec: ModelSpec): Promise<EnsureResult> {
    const pinned = this.pins?.pinFor(spec);
    const result = await ensureModel(pinned?.spec ?? spec, this.config, this.context, pinned?.pin);
    this.pins?.settled(spec, result.snapshot);
    return result;
  }

  /** Checks a cached model against the index without any network request. */
  async verify(spec: ModelSpec, level?: VerifyLevel): Promise<VerifyReport> {
    const model = specArgument(spec, "verify: spec");
    const checkedLevel = level === undefined ? (model.verify ?? this.config.verify) : verifyLevelArgument(level, "verify: level");
    return verifyCachedModel(model, this.config, checkedLevel, this.context);
  }

  async clean(spec: ModelSpec, options: { dryRun?: boolean } = {}): Promise<CleanReport> {
    return cleanModel(specArgument(spec, "clean: spec"), this.config, this.context, options.dryRun ?? false);
  }
}

/** The spec with this id, or MissingModelError with a did-you-mean hint. */
export function findModelSpec(config: Pick<ModelsConfig, "models">, modelId: string): ModelSpec {
  const spec = config.models.find((model) => model.id === modelId);
  if (!spec) {
    const ofRepository = config.models.filter((model) => model.repoId.toLowerCase() === modelId.toLowerCase()).map((model) => model.id);
    throw new MissingModelError(modelId, config.models.map((model) => model.id), ofRepository);
  }
  return spec;
}

/** Main entry point (seed: ensure_models): downloads and verifies every model of a configuration file. */
export async function ensureModels(configPath?: string, cacheDir?: string, options: RunOptions = {}): Promise<Record<string, string>> {
  const checked = loadOptionsArgument<ManagerOptions>(options, "ensureModels: options");
  return ModelManager.fromConfig(configPath, { ...checked, cacheDir: optionalStringArgument(cacheDir, "ensureModels: cacheDir") }).ensureAll();
}
