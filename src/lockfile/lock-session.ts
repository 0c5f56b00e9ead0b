import { readTextOrUndefined } from "../cache/read-text.ts";
import type { ModelSpec } from "../config/types.ts";
import type { PinnedSnapshot, PinSource, RemoteSnapshot } from "../models/plan.ts";
import { plural } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import { configDigest, describeDrift, hasDrift, lockDrift, requestDifference, requestsDigest } from "./compare.ts";
import { lockedModelOf, pinOf } from "./convert.ts";
import { LockFileError, LockOutOfDateError } from "./errors.ts";
import { readLock } from "./read-lock.ts";
import { LOCK_VERSION, type LockedModel, type LockFile } from "./schema.ts";
import { formatLock, formatLockedModel, writeLock } from "./write-lock.ts";

/**
 * How a run treats the committed lock.
 * `update` (the default): pinned models are fetched at their locked commit; new or changed ones are resolved and the lock is updated, if there is one.
 *   With `refresh`, no model is pinned: branches and tags move forward and the lock is rewritten.
 * `locked`: the lock must exist and match the configuration; nothing is resolved.
 * `frozen`: the lock is used as it is, without comparing it with the configuration; nothing is resolved.
 */
export const LOCK_MODES = ["update", "locked", "frozen"] as const;
export type LockMode = (typeof LOCK_MODES)[number];

const FLAG: Record<Exclude<LockMode, "update">, string> = { locked: "--locked", frozen: "--frozen" };

/** The lock for one run: gives pins to the plan and, in `update` mode, writes back what new or changed models resolved to. */
export class LockSession implements PinSource {
  private readonly locked: Map<string, LockedModel>;
  private readonly resolved = new Map<string, LockedModel>();

  private constructor(
    readonly path: string,
    readonly lock: LockFile | undefined,
    private readonly mode: LockMode,
    private readonly configured: readonly ModelSpec[],
    private readonly logger: Logger,
    private readonly refresh: boolean,
  ) {
    this.locked = new Map(lock?.models.map((model) => [model.id, model]) ?? []);
  }

  /**
   * Reads the lock at `path` for a run over `selected` (of the `configured` models).
   * --locked and --frozen fail here, before any request, when the lock cannot serve the run.
   */
  static open(path: string, mode: LockMode, configured: readonly ModelSpec[], selected: readonly ModelSpec[], logger: Logger, refresh = false): LockSession {
    const lock = readLock(path);
    if (mode !== "update" && !lock) {
      throw new LockFileError(`${FLAG[mode]}: there is no lock ${path}; run "model-manager lock" and commit the file it writes`);
    }
    if (lock && mode === "locked") {
      const drift = lockDrift(lock, configured);
      // Per-model drift names the models; the digest also catches a lock whose entries were edited into agreement by hand.
      const digestDiffers = lock.configDigest !== configDigest(configured);
      if (hasDrift(drift) || digestDiffers) {
        const lines = (hasDrift(drift) ? describeDrift(drift) : [`configDigest ${lock.configDigest} is not the configuration's ${configDigest(configured)}`]).map((line) => `  ${line}`);
        throw new LockOutOfDateError(`--locked: the lock ${path} does not match the configuration:\n${lines.join("\n")}\nRun "model-manager lock" and commit the result.`);
      }
    }
    if (lock && mode === "frozen") {
      const missing = selected.filter((spec) => !lock.models.some((model) => model.id === spec.id)).map((spec) => spec.id);
      if (missing.length > 0) {
        throw new LockFileError(`--frozen: ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not in the lock ${path}; run "model-manager lock" first`);
      }
    }
    return new LockSession(path, lock, mode, configured, logger, refresh && mode === "update");
  }

  pinFor(spec: ModelSpec): { readonly spec: ModelSpec; readonly pin?: PinnedSnapshot } {
    const entry = this.locked.get(spec.id);
    if (!entry || this.refresh) return { spec };
    const difference = requestDifference(entry, spec);
    if (!difference) return { spec, pin: pinOf(entry, this.path) };
    if (this.mode !== "frozen") return { spec };
    this.logger.warn(`${spec.id}: the configuration changed since the lock was written (${difference}); --frozen uses the lock as it is`);
    return { spec: { ...spec, repoId: entry.repoId, repoType: entry.repoType, revision: entry.revision }, pin: pinOf(entry, this.path) };
  }

  settled(spec: ModelSpec, snapshot: RemoteSnapshot): void {
    const entry = this.locked.get(spec.id);
    const resolved = lockedModelOf(spec, snapshot);
    // Unchanged: the entry stays as written. Under --refresh only if it still says what the Hub
    // serves: an entry edited by hand at the same commit (a hash, a dropped file) is pinned again.
    if (entry && !requestDifference(entry, spec) && (!this.refresh || formatLockedModel(entry) === formatLockedModel(resolved))) return;
    this.resolved.set(spec.id, resolved);
  }

  /** Locked model a run over `spec` uses: unchanged ones, and under --frozen any entry with its id. */
  lockedModelFor(spec: ModelSpec): LockedModel | undefined {
    const entry = this.locked.get(spec.id);
    if (!entry) return undefined;
    return this.mode === "frozen" || !requestDifference(entry, spec) ? entry : undefined;
  }

  /**
   * In `update` mode: writes the lock when models were added, changed or removed, and says so.
   * Only a lock that exists is updated, unless `create` (the lock command) asks for a new one.
   */
  finish(options: { readonly create?: boolean } = {}): boolean {
    if (this.mode !== "update" || (!this.lock && !options.create)) return false;
    const configured = new Set(this.configured.map((spec) => spec.id));
    // The common warm run: nothing resolved, nothing removed; no need to format the lock twice to see that.
    const unchanged = this.lock && this.resolved.size === 0 && this.lock.models.every((model) => configured.has(model.id));
    if (unchanged && !options.create) return false;
    const models = [...this.locked.values()].filter((model) => configured.has(model.id) && !this.resolved.has(model.id));
    models.push(...this.resolved.values());
    const next = lockFrom(models);
    if (this.lock && formatLock(next) === formatLock(this.lock)) {
      if (!options.create) return false;
      // Same pins, other text (reformatted, reordered by hand): the lock command writes the form a review diff expects.
      if (readTextOrUndefined(this.path) === formatLock(next)) {
        this.logger.info(`the lock ${this.path} is up to date`);
        return false;
      }
      writeLock(this.path, next);
      this.logger.info(`rewrote the lock ${this.path} in its own layout (sorted, one file per line); the pins are unchanged`);
      return true;
    }
    writeLock(this.path, next);
    if (!this.lock) {
      this.logger.info(`wrote the lock ${this.path} (${plural(models.length, "model")}); commit it beside the configuration`);
      return true;
    }
    const added = [...this.resolved.keys()].filter((id) => !this.locked.has(id));
    const changed = [...this.resolved.values()].filter((model) => this.locked.has(model.id)).map((model) => describeMove(this.locked.get(model.id), model));
    const removed = [...this.locked.keys()].filter((id) => !configured.has(id));
    const parts = [
      added.length > 0 ? `added ${added.join(", ")}` : "",
      changed.length > 0 ? `re-resolved ${changed.join(", ")}` : "",
      removed.length > 0 ? `removed ${removed.join(", ")}` : "",
    ].filter(Boolean);
    this.logger.info(`updated the lock ${this.path}: ${parts.join("; ")}; commit it to pin these models`);
    return true;
  }
}

/**
 * "encoder (main 1a2b3c4d5e6f → 6f5e4d3c2b1a)"; "(main 1a2b3c4d5e6f: files re-pinned)" when only the
 * files' entries differed from the Hub's (a lock edited by hand); "(configuration changed)" otherwise.
 */
function describeMove(before: LockedModel | undefined, after: LockedModel): string {
  if (before && before.commit !== after.commit) return `${after.id} (${after.revision} ${before.commit.slice(0, 12)} → ${after.commit.slice(0, 12)})`;
  if (before && requestsDigest([before]) === requestsDigest([after])) return `${after.id} (${after.revision} ${after.commit.slice(0, 12)}: files re-pinned)`;
  return `${after.id} (configuration changed)`;
}

/** A lock holding `models`; its digest is that of the configuration these entries were resolved from. */
export function lockFrom(models: readonly LockedModel[]): LockFile {
  return { lockVersion: LOCK_VERSION, configDigest: requestsDigest(models), models };
}
