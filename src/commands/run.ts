import { statSync } from "node:fs";
import { defaultConfigPath, missingDefaultConfigError } from "../config/default-path.ts";
import { nothingCachedThereWarning, requireReachableCache } from "../cache/writable.ts";
import { type ConfigWarning, loadModelsConfigWaiting } from "../config/load.ts";
import type { ModelSpec, ModelsConfig } from "../config/types.ts";
import { ExitCode, exitCodeOf, InterruptedError, messageOf, ModelManagerError, UsageError } from "../errors.ts";
import { isTruthy, readHubSettings } from "../hub/settings.ts";
import { openLockSession } from "../lockfile/open.ts";
import { configuredMirrors } from "../mirror/configured.ts";
import { parseMirrorLocation } from "../mirror/location.ts";
import { Mirror } from "../mirror/mirror.ts";
import { runPush } from "./push.ts";
import { findModelSpec, ModelManager } from "../manager.ts";
import { RunContext } from "../models/context.ts";
import { failedRunJson } from "../output/json-report.ts";
import { ConsoleLogger } from "../output/logger.ts";
import { chooseProgressMode, createProgressDisplay, uploadWords } from "../output/progress.ts";
import { cacheKey, cacheKeyJson } from "./cache-key.ts";
import { runClean } from "./clean.ts";
import { runDownload } from "./download.ts";
import { runDryRun } from "./dry-run.ts";
import { runList } from "./list.ts";
import { runLock } from "./lock.ts";
import { runSbom } from "./sbom.ts";
import type { CliOptions } from "./options.ts";
import { DeferredWriter, type ResultWriter, stdoutWriter } from "./output.ts";
import { runVerifyOnly } from "./verify-only.ts";

export type RunEnvironment = {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly signal: AbortSignal;
  readonly out?: ResultWriter;
};

/** Runs one command line; returns the exit code. Errors are reported here, never thrown. */
export async function runCommand(options: CliOptions, environment: RunEnvironment): Promise<number> {
  const hub = safely(() => readHubSettings(environment.env));
  const logger = new ConsoleLogger({
    quiet: options.quiet,
    verbose: options.verbose,
    secrets: hub.ok && hub.value.token ? [hub.value.token.value] : [],
  });
  if (!hub.ok) return failed(hub.error, options, logger, environment.out ?? stdoutWriter);
  const mode = chooseProgressMode({ quiet: options.quiet, disableBars: isTruthy(environment.env.HF_HUB_DISABLE_PROGRESS_BARS) });
  const showsProgress = (options.action === "download" && !options.dryRun) || options.action === "push";
  const progress = showsProgress ? createProgressDisplay(mode, logger) : undefined;
  // Results reaching the terminal that shows live bars would be drawn over, also through a pipe (`| tee log`); they follow the bars instead.
  const deferred = showsProgress && mode === "bars" ? new DeferredWriter(environment.out ?? stdoutWriter) : undefined;
  const out = deferred ?? environment.out ?? stdoutWriter;
  try {
    const config = await loadConfig(options, environment, logger);
    if (options.action === "cache-key") {
      const specs = selectSpecs(config, options.models);
      const lock = openLockSession(config, specs, options, logger);
      if (options.json) out.json(cacheKeyJson(config.cacheDir, specs, lock, config.layout));
      else out.line(cacheKey(specs, lock, config.layout));
      return ExitCode.ok;
    }
    if (options.refresh && hub.value.offline) throw new UsageError("--refresh asks the Hub where branches and tags point now, but HF_HUB_OFFLINE is set");
    if (options.action === "push" && hub.value.offline) throw new UsageError("push reads each model's file list from the Hub and writes to the mirror, but HF_HUB_OFFLINE is set");
    if (options.action === "sbom") return runSbom(config, options, logger, out);
    // The committed lock pins downloads (and --dry-run plans); other actions work on the cache alone.
    const pins = options.action === "download" || options.action === "push" ? openLockSession(config, selectSpecs(config, options.models), options, logger) : undefined;
    const context = new RunContext({
      logger,
      observer: progress,
      hub: hub.value,
      signal: environment.signal,
      refresh: options.refresh,
      // lock resolves on the Hub alone: a mirror setting is none of its business.
      mirrors: options.action === "lock" ? [] : configuredMirrors(config, environment.env),
    });
    if (options.action === "lock") return await runLock(config, context, options, logger, out);
    requireReachableCache(config.cacheDir, config.cacheDirSource);
    const nothingThere = options.action === "download" || options.action === "push" ? undefined : nothingCachedThereWarning(config.cacheDir, config.cacheDirSource);
    if (nothingThere) logger.warn(nothingThere);
    const manager = new ModelManager(withVerifyOverride(config, options), { context, pins });
    if (environment.env.HF_HUB_ENABLE_HF_TRANSFER !== undefined) {
      logger.debug("HF_HUB_ENABLE_HF_TRANSFER is accepted and changes nothing: parallel ranged downloads are always on");
    }
    logger.debug(`configuration ${config.path ?? "(inline)"}, cache ${config.cacheDir}, endpoint ${hub.value.endpoint}${hub.value.token ? `, token from ${hub.value.token.source}` : ", no token"}`);
    switch (options.action) {
      case "list":
        return await runList(manager.config, selectSpecs(config, options.models), options.json, logger, out, options.refresh ? (spec) => manager.upstreamCommit(spec) : undefined);
      case "verify-only":
        return await runVerifyOnly(manager, selectSpecs(config, options.models), options.verify, options.json, logger, out);
      case "clean":
        return await runClean("clean", manager, selectSpecs(config, options.models), options.dryRun, options.json, logger, out);
      case "clean-model":
        return await runClean("clean-model", manager, selectSpecs(config, options.cleanModels), options.dryRun, options.json, logger, out);
      case "download": {
        const specs = selectSpecs(config, options.models);
        if (options.dryRun) return await runDryRun(manager, specs, options.json, logger, out);
        const code = await runDownload(manager, specs, options.json, logger, out, () => progress?.stop());
        pins?.finish();
        return code;
      }
      case "push": {
        const mirror = new Mirror(parseMirrorLocation(options.pushTo ?? "", "push"), config.mirror);
        if (mirror.location.kind !== "s3") throw new UsageError(`push writes to an s3://bucket/prefix mirror; ${mirror.display} is an http(s) mirror, which is read-only`);
        const code = await runPush(manager, selectSpecs(config, options.models), mirror, context, options.json, logger, out, {
          endDownloads: () => progress?.stop(),
          startUploads: () => createProgressDisplay(mode, logger, uploadWords(mirror.display)),
        });
        pins?.finish();
        return code;
      }
      default:
        return options.action satisfies never;
    }
  } catch (error) {
    // The live display goes first, so the message is not drawn over.
    progress?.stop();
    return failed(error, options, logger, out);
  } finally {
    progress?.stop();
    deferred?.flush();
  }
}

function loadConfig(options: CliOptions, environment: RunEnvironment, logger: ConsoleLogger): Promise<ModelsConfig> {
  const path = options.config ?? defaultConfigPath(environment.env, environment.cwd);
  if (options.config === undefined && nothingAt(path)) throw missingDefaultConfigError(path, environment.env);
  const loadOptions = {
    cwd: environment.cwd,
    cacheDir: options.cacheDir,
    cacheDirName: "--cache-dir",
    env: environment.env,
    onWarning: (warning: ConfigWarning) => logger.warn(warning.message),
  };
  return loadModelsConfigWaiting(path, loadOptions, environment.signal);
}

/** Only "no such file": any other failure to read it is reported by the loader, as it is. */
function nothingAt(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) === undefined;
  } catch {
    return false;
  }
}

/** --model/--clean-model ids, validated against the configuration; all models when none are given. */
function selectSpecs(config: ModelsConfig, ids: readonly string[]): ModelSpec[] {
  if (ids.length === 0) return [...config.models];
  return [...new Set(ids)].map((id) => findModelSpec(config, id));
}

/** --verify LEVEL replaces the configured levels, global and per model, for this run. */
function withVerifyOverride(config: ModelsConfig, options: CliOptions): ModelsConfig {
  // What push uploads is checked by sha256 first, whatever the configured level.
  const verify = options.action === "push" ? "sha256" : options.verify;
  if (!verify || options.action === "verify-only") return config;
  return { ...config, verify, models: config.models.map((model) => ({ ...model, verify })) };
}

/** Reports a failure that ended the run; with --json, stdout still gets a result in the documented shape. */
function failed(error: unknown, options: CliOptions, logger: ConsoleLogger, out: ResultWriter): number {
  const exitCode = report(error, logger);
  // sbom refuses --json: its output is a CycloneDX document.
  if (options.json && options.action !== "sbom") {
    const command = options.action === "download" && options.dryRun ? "dry-run" : options.action;
    out.json(failedRunJson(command, exitCode, error));
  }
  return exitCode;
}

function report(error: unknown, logger: ConsoleLogger): number {
  if (error instanceof InterruptedError || (error instanceof DOMException && error.name === "AbortError")) {
    logger.error(new InterruptedError().message);
    return ExitCode.interrupted;
  }
  if (error instanceof ModelManagerError) {
    logger.error(error.message);
  } else {
    logger.error(`unexpected failure: ${messageOf(error)}`);
    if (error instanceof Error && error.stack) logger.debug(error.stack);
  }
  return exitCodeOf(error);
}

function safely<T>(make: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: make() };
  } catch (error) {
    return { ok: false, error };
  }
}
