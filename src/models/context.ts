import { booleanArgument, hubSettingsArgument, loggerArgument, observerArgument, signalArgument } from "../api-arguments.ts";
import { readIndex } from "../cache/index-file.ts";
import type { CacheIndex } from "../cache/index-schema.ts";
import { HubApi } from "../hub/api.ts";
import type { Mirror } from "../mirror/mirror.ts";
import { HubHttp } from "../hub/http.ts";
import { type HubSettings, readHubSettings } from "../hub/settings.ts";
import { StallWatchdog } from "../hub/watchdog.ts";
import { type Logger, silentLogger } from "../output/logger.ts";
import { engineOptionsFromEnv } from "../transfer/defaults.ts";
import { type EngineOptions, TransferEngine } from "../transfer/engine.ts";
import { quietObserver, type TransferObserver } from "../transfer/observer.ts";
import { SpaceLedger } from "./space-ledger.ts";
import { XetTurns } from "./xet-turns.ts";

export type RunOptions = {
  readonly logger?: Logger;
  readonly observer?: TransferObserver;
  /** Default: read from the environment (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, …). */
  readonly hub?: HubSettings;
  /** Default: the engine defaults, adjusted by MODEL_MANAGER_* variables. */
  readonly engine?: EngineOptions;
  readonly signal?: AbortSignal;
  /** Ask the Hub where each cached model's branch or tag points now, and update models whose revision moved. */
  readonly refresh?: boolean;
  /** Mirrors a model is looked for in before the Hub, in order (see src/mirror/). */
  readonly mirrors?: readonly Mirror[];
};

type HubClient = { readonly http: HubHttp; readonly api: HubApi; readonly engine: TransferEngine };

/**
 * What one run needs: output, settings, cancellation, and the Hub client.
 * The client is built on first use, so a run served from the cache never
 * creates one (and never makes a request).
 */
export class RunContext {
  readonly logger: Logger;
  readonly observer: TransferObserver;
  readonly settings: HubSettings;
  readonly engineOptions: EngineOptions;
  readonly signal?: AbortSignal;
  readonly refresh: boolean;
  readonly mirrors: readonly Mirror[];
  /** Disk space the run's models are about to write: one ledger for the whole run. */
  readonly space: SpaceLedger;
  /** The Xet files the run's models are fetching: one model fetches a file, the others copy it. */
  private turns = new XetTurns();
  private client: HubClient | undefined;
  /** Warnings given so far in this run: a cause every model shares is reported once. */
  private warned = new Set<string>();

  /** `space`: the ledger of the run this context is part of; `options.observer` then already counts for it. */
  constructor(options: RunOptions = {}, space?: SpaceLedger) {
    this.logger = options.logger === undefined ? silentLogger : loggerArgument(options.logger, "options.logger");
    this.space = space ?? new SpaceLedger();
    const observer = options.observer === undefined ? quietObserver : observerArgument(options.observer, "options.observer");
    this.observer = space ? observer : this.space.counting(observer);
    this.settings = options.hub === undefined ? readHubSettings() : hubSettingsArgument(options.hub, "options.hub");
    this.engineOptions = options.engine ?? engineOptionsFromEnv();
    this.signal = options.signal === undefined ? undefined : signalArgument(options.signal, "options.signal");
    this.refresh = options.refresh === undefined ? false : booleanArgument(options.refresh, "options.refresh");
    this.mirrors = options.mirrors ?? [];
  }

  /** The same run, also cancelled when `signal` aborts (for work done while holding a lock). */
  withSignal(signal: AbortSignal): RunContext {
    const combined = this.signal ? AbortSignal.any([this.signal, signal]) : signal;
    const scoped = new RunContext({ logger: this.logger, observer: this.observer, hub: this.settings, engine: this.engineOptions, signal: combined, refresh: this.refresh, mirrors: this.mirrors }, this.space);
    scoped.client = this.hub;
    scoped.warned = this.warned;
    scoped.turns = this.turns;
    return scoped;
  }

  get xetTurns(): XetTurns {
    return this.turns;
  }

  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.logger.warn(message);
  }

  get hub(): HubClient {
    if (!this.client) {
      const watchdog = new StallWatchdog(this.settings.stallTimeoutMs);
      const http = new HubHttp(this.settings, watchdog, this.logger);
      this.client = {
        http,
        api: new HubApi(http, this.logger, this.engineOptions.retry),
        engine: new TransferEngine(http, this.engineOptions, this.logger, this.observer),
      };
    }
    return this.client;
  }
}

/** The cache index under `stateRoot`; a bad one is reported on the run's logger (see readIndex). */
export function readIndexFor(stateRoot: string, context: Pick<RunContext, "logger">): Promise<CacheIndex> {
  return readIndex(stateRoot, { onWarning: (warning) => context.logger.warn(warning.message) });
}
