import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describeFsFailure, explainFsError, type FsErrorContext, fsErrorOf } from "../cache/fs-errors.ts";
import type { CacheIndex, IndexedFile, IndexEntry } from "../cache/index-schema.ts";
import { entriesBesides, ofAnotherConfiguration, recordEntry } from "../cache/index-entries.ts";
import { updateIndex } from "../cache/index-file.ts";
import { lstatExisting } from "../cache/layout.ts";
import { type CacheAccess, cacheAccess, describeUnwritable, UnwritableCacheError } from "../cache/writable.ts";
import { selectionFingerprint } from "../config/fingerprint.ts";
import { effectiveVerifyLevel, type ModelSpec, type ModelsConfig, type VerifyLevel } from "../config/types.ts";
import { NotCachedError } from "../errors.ts";
import type { RemoteFile } from "../hub/api.ts";
import { type CacheLayout, cacheLayout, locate, type ModelPlacement } from "../layout/index.ts";
import { formatBytes, plural } from "../output/format.ts";
import type { FileJob, PlacedFile } from "../transfer/download-file.ts";
import type { ChunkCatalog } from "../transfer/xet/chunk-map.ts";
import { reusableXetChunks } from "./xet-reuse.ts";
import { clearWritingMark, markWriting } from "./writing-mark.ts";
import { downloadViaMirror } from "../mirror/download-via-mirror.ts";
import { findInMirrors, type MirrorHit } from "../mirror/find-in-mirrors.ts";
import type { Mirror } from "../mirror/mirror.ts";
import { readIndexFor, type RunContext } from "./context.ts";
import { clearOldEntriesOnPath, filesOfOtherModels, recordedPath } from "./folder-ownership.ts";
import { makeWayFor } from "./make-way.ts";
import { holdWorkLocks } from "./model-lock.ts";
import { reserveFreeSpace } from "./disk-space.ts";
import { listModelPartials, modelPartialDir, modelPartialPaths, removeModelPartialsIfEmpty } from "./partials.ts";
import { type PinnedSnapshot, planSnapshot, type RemoteSnapshot } from "./plan.ts";
import { agreesWithPin, pinnedDownloadError } from "./pinned.ts";
import { movedCommit } from "./refresh.ts";
import {
  changedFiles,
  entryMatchesSpec,
  recordedEntry,
  fileUnchanged,
  indexedFromPlaced,
  levelSatisfies,
  sameContent,
  strongerLevel,
  toIndexedFile,
  toRemoteFile,
} from "./records.ts";
import { quarantineCopy, recheckFiles } from "./recheck.ts";

/** `path`: the configuration file, recorded with each model it places (see src/cache/index-entries.ts). */
export type CacheSettings = Pick<ModelsConfig, "cacheDir" | "cacheDirSource" | "verify" | "layout" | "path">;

/**
 * What a run has to do for one model. `cached`: nothing. `verified`: files
 * were re-checked locally and are fine. `repair`: some recorded files are
 * missing or damaged and are fetched again at the recorded commit. `fetch`:
 * the model is new or its configuration changed, so it was planned from the Hub.
 * `update`: with refresh, its branch or tag moved on the Hub since `previous.commit`.
 */
export type WorkPlan = {
  readonly kind: "cached" | "verified" | "repair" | "fetch" | "update";
  readonly spec: ModelSpec;
  readonly level: VerifyLevel;
  readonly directory: string;
  /** Where the files of `directory` are read and written (see src/layout/). */
  readonly placement: ModelPlacement;
  readonly commit: string;
  /** Files already in place and good. */
  readonly keep: readonly IndexedFile[];
  readonly download: readonly RemoteFile[];
  /** Paths (in `previous`) of files the configuration no longer selects, or of its previous folder or snapshot (hf). */
  readonly remove: readonly string[];
  readonly previous?: IndexEntry;
  /** Files of the repository left out only by the default `exclude` list: from the Hub listing, or recorded in the index since. */
  readonly defaultExcluded?: readonly string[];
  /** Set when the committed lock fixes the commit and files: downloads are checked against it. */
  readonly pin?: PinnedSnapshot;
  /** Every selected file at `commit`, when the plan listed them (from the Hub or the pin). */
  readonly snapshot?: RemoteSnapshot;
  /** The mirror the plan found every file in: downloads come from there (the Hub if it fails). */
  readonly mirror?: Mirror;
};

export type EnsureResult = {
  readonly id: string;
  readonly path: string;
  readonly kind: WorkPlan["kind"];
  readonly revision: string;
  readonly commit: string;
  /** For an update: the commit the model was at before. */
  readonly previousCommit?: string;
  readonly downloadedFiles: number;
  readonly downloadedBytes: number;
  /** Of downloadedBytes, those copied from Xet chunks already in the cache instead of fetched (absent when none). */
  readonly reusedBytes?: number;
  /** Every file of the model in the cache, and their total size. */
  readonly files: number;
  readonly bytes: number;
  /** The level every file is verified at, as recorded in the index. */
  readonly level: VerifyLevel;
  readonly defaultExcluded: readonly string[];
  /** The commit and every file the model now has: what a lock records. */
  readonly snapshot: RemoteSnapshot;
  /** Where the model's files were last downloaded from: "hub", or the mirror's URL; undefined when never recorded. */
  readonly fetchedFrom?: string;
};

/** Makes the model present and verified in the cache; returns its absolute directory. */
export async function ensureModel(spec: ModelSpec, config: CacheSettings, context: RunContext, pin?: PinnedSnapshot): Promise<EnsureResult> {
  const layout = cacheLayout(config);
  try {
    return await ensureIn(layout, spec, config, context, pin);
  } catch (error) {
    throw explainFsError(error, fsErrorContext(spec, layout, config)) ?? error;
  }
}

function fsErrorContext(spec: ModelSpec, layout: CacheLayout, config: CacheSettings, onFullDisk?: () => string): FsErrorContext {
  let contentRoot = layout.root;
  try {
    contentRoot = layout.modelPath(spec);
  } catch {
    // An unsafe local_dir: the error being explained already says so.
  }
  const source = config.cacheDirSource;
  return { modelId: spec.id, repoId: spec.repoId, contentRoot, cacheDir: layout.root, ...(source && { cacheDirSource: source }), ...(onFullDisk && { onFullDisk }) };
}

async function ensureIn(layout: CacheLayout, spec: ModelSpec, config: CacheSettings, context: RunContext, pin?: PinnedSnapshot): Promise<EnsureResult> {
  // One read before the lock serves the refresh check, the fast path and a read-only cache; under the lock it is read again.
  const recorded = recordedEntry(await readIndexFor(layout.stateRoot, context), spec, layout, config.path);
  // A model the lock pins does not move with --refresh: the lock session leaves it unpinned when it should move.
  const moved = context.refresh && !pin ? await movedCommit(spec, recorded, layout, context) : undefined;
  const quick = moved ? undefined : planIfCached(spec, config, layout, recorded, pin);
  if (quick) {
    if (quick.previous) await recordAsOwn(quick.previous, spec, config, layout, context);
    return resultOf(quick, 0, quick.previous?.verify ?? quick.level);
  }
  const access = cacheAccess(config.cacheDir);
  if (access !== "writable") return await serveUnwritable(spec, config, layout, context, recorded, access, moved);
  await using lock = await holdWorkLocks(layout, spec, context, config);
  const scoped = context.withSignal(lock.signal);
  const index = await readIndexFor(layout.stateRoot, context);
  const plan = await planWork(spec, config, layout, scoped, recordedEntry(index, spec, layout, config.path), pin, moved);
  // Awaited here: the lock must outlive the work, not just the planning.
  return await executeWork(plan, layout, scoped, config);
}

/**
 * A model served from another configuration's entry is recorded as this configuration's too (once), so
 * that configuration moving on, or its --clean, leaves the files this one uses. Best effort: a cache
 * that cannot take the record (read-only, full) still serves the model.
 */
async function recordAsOwn(entry: IndexEntry, spec: ModelSpec, config: CacheSettings, layout: CacheLayout, context: RunContext): Promise<void> {
  const { path } = config;
  if (path === undefined || !ofAnotherConfiguration(entry, path) || cacheAccess(config.cacheDir) !== "writable") return;
  try {
    await updateIndex(layout.stateRoot, (index) => recordEntry(index, spec.id, { ...entry, configuredBy: path }), { signal: context.signal });
  } catch (error) {
    const failure = fsErrorOf(error);
    if (!failure || context.signal?.aborted) throw error;
    context.logger.debug(`${spec.id}: could not record it for ${path} (${describeFsFailure(failure)})`);
  }
}

/**
 * A cache that cannot be written (a read-only mount): a model whose files are
 * all good is served without a lock, the index left as it is; anything that
 * would have to write is refused.
 */
async function serveUnwritable(
  spec: ModelSpec,
  config: CacheSettings,
  layout: CacheLayout,
  context: RunContext,
  entry: IndexEntry | undefined,
  access: Exclude<CacheAccess, "writable">,
  moved?: string,
): Promise<EnsureResult> {
  if (!entryMatchesSpec(entry, spec, selectionFingerprint(spec), layout) || (moved && moved !== entry.commit)) {
    throw new UnwritableCacheError(config.cacheDir, access, spec.id, entry ? "has to be updated" : "has to be downloaded", config.cacheDirSource);
  }
  const plan = await planFromRecord(spec, effectiveVerifyLevel(spec, config), layout.placement(spec, entry.commit), entry, context);
  if (plan.download.length > 0) {
    throw new UnwritableCacheError(config.cacheDir, access, spec.id, `has damaged files to fetch again (${plan.download.map((file) => file.path).join(", ")})`, config.cacheDirSource);
  }
  if (plan.kind !== "cached") context.warnOnce(`${describeUnwritable(config.cacheDir, access, config.cacheDirSource)}, so its index could not be updated (changed files are checked again on every run)`);
  return resultOf(plan, 0, strongerLevel(entry.verify, plan.level));
}

/** The plan without doing it: for --dry-run. Reads the Hub when the model is not cached, writes nothing. */
export async function planModelWork(spec: ModelSpec, config: CacheSettings, context: RunContext, pin?: PinnedSnapshot): Promise<WorkPlan> {
  const layout = cacheLayout(config);
  const entry = recordedEntry(await readIndexFor(layout.stateRoot, context), spec, layout, config.path);
  return planWork(spec, config, layout, context, entry, pin, pin ? undefined : await movedCommit(spec, entry, layout, context));
}

/** The fast path: index entry matches and every file is untouched. No lock, no hashing, no network. */
function planIfCached(spec: ModelSpec, config: CacheSettings, layout: CacheLayout, entry: IndexEntry | undefined, pin: PinnedSnapshot | undefined): WorkPlan | undefined {
  const level = effectiveVerifyLevel(spec, config);
  if (!entryMatchesSpec(entry, spec, pin?.selection ?? selectionFingerprint(spec), layout) || !agreesWithPin(entry, pin)) return undefined;
  const placement = layout.placement(spec, entry.commit);
  if (!levelSatisfies(entry.verify, level) || changedFiles(placement, entry).length > 0 || placement.refProblem?.() !== undefined) return undefined;
  const { directory } = placement;
  return {
    kind: "cached",
    spec,
    level,
    directory,
    placement,
    commit: entry.commit,
    keep: entry.files,
    download: [],
    remove: [],
    previous: entry,
    pin,
    defaultExcluded: entry.defaultExcluded,
  };
}

/**
 * `pin`: the commit and files the committed lock fixes. `moved`: with refresh, the commit the revision
 * points at now, when it differs from the one recorded before the lock was taken.
 */
async function planWork(
  spec: ModelSpec,
  config: CacheSettings,
  layout: CacheLayout,
  context: RunContext,
  entry: IndexEntry | undefined,
  pin: PinnedSnapshot | undefined,
  moved?: string,
): Promise<WorkPlan> {
  const level = effectiveVerifyLevel(spec, config);
  const directory = layout.modelPath(spec);
  const recorded = entryMatchesSpec(entry, spec, pin?.selection ?? selectionFingerprint(spec), layout) && agreesWithPin(entry, pin);
  // Another process may have updated the model while this one waited for the lock.
  if (recorded && (!moved || moved === entry.commit)) {
    const plan = await planFromRecord(spec, level, layout.placement(spec, entry.commit), entry, context);
    // Damaged files come from a mirror holding the recorded commit, as a download would.
    return { ...plan, pin, ...(plan.kind === "repair" && { mirror: (await lookInMirrors(spec, pin, entry.commit, context))?.mirror }) };
  }
  if (recorded && moved) return { ...(await planFromHub(spec, layout, level, entry, context, undefined, moved)), kind: "update" };
  const othersEntry = entry !== undefined && ofAnotherConfiguration(entry, config.path);
  if (context.settings.offline && !pin) {
    throw new NotCachedError(
      spec.id,
      entry && !othersEntry
        ? `its configuration changed since it was downloaded to ${directory}, and HF_HUB_OFFLINE is set`
        : `the cache index in ${config.cacheDir} records no copy${othersEntry ? ` for this configuration (${entry.configuredBy} recorded revision ${entry.revision})` : ""} (looked for ${directory}), and HF_HUB_OFFLINE is set, so it cannot be downloaded`,
    );
  }
  const plan = await planFromHub(spec, layout, level, entry, context, pin);
  // Another configuration's entry of this id: its files stay for it (its entry too, see executeWork).
  return othersEntry ? { ...plan, remove: [] } : plan;
}

function lookInMirrors(spec: ModelSpec, pin: PinnedSnapshot | undefined, commit: string | undefined, context: RunContext): Promise<MirrorHit | undefined> {
  // HF_HUB_OFFLINE means no request at all, to a mirror either.
  const mirrors = context.settings.offline ? [] : context.mirrors;
  return findInMirrors(mirrors, spec, pin, commit, { http: context.hub.http, logger: context.logger, signal: context.signal, warnOnce: (message) => context.warnOnce(message) });
}

/** Same request as last time: re-check what changed on disk (or everything, if a stronger level is asked for). */
async function planFromRecord(spec: ModelSpec, level: VerifyLevel, placement: ModelPlacement, entry: IndexEntry, context: RunContext): Promise<WorkPlan> {
  const upgrade = !levelSatisfies(entry.verify, level);
  const changed = changedFiles(placement, entry);
  const base = { spec, level, directory: placement.directory, placement, commit: entry.commit, remove: [], previous: entry, defaultExcluded: entry.defaultExcluded };
  if (!upgrade && changed.length === 0) return { ...base, kind: "cached", keep: entry.files, download: [] };
  // A file edited since it was written is checked against its recorded hash; with verify: none, by size only.
  const recheckLevel: VerifyLevel = upgrade ? level : level === "none" ? "size" : "sha256";
  const toCheck = upgrade ? entry.files : changed;
  if (toCheck.length > 0) context.logger.info(`${spec.id}: checking ${plural(toCheck.length, "file")} at level ${recheckLevel}`);
  const { good, bad } = await recheckFiles(placement.content, toCheck, recheckLevel, context);
  const checked = new Set(toCheck.map((file) => file.path));
  const keep = [...entry.files.filter((file) => !checked.has(file.path)), ...good];
  if (bad.length > 0) {
    context.logger.warn(`${spec.id}: ${bad.map((failure) => failure.description).join("; ")}`);
  }
  const download = bad.map((failure) => toRemoteFile(failure.file));
  return { ...base, kind: download.length > 0 ? "repair" : "verified", keep, download };
}

/** New model or changed configuration: list the Hub's files and reuse what is already on disk. */
async function planFromHub(
  spec: ModelSpec,
  layout: CacheLayout,
  configuredLevel: VerifyLevel,
  entry: IndexEntry | undefined,
  context: RunContext,
  pin: PinnedSnapshot | undefined,
  resolved?: string,
): Promise<WorkPlan> {
  const found = await lookInMirrors(spec, pin, resolved, context);
  // A mirror is never trusted more than the Hub: what comes from it is hashed, whatever the configured level.
  const level: VerifyLevel = found ? "sha256" : configuredLevel;
  // A pinned model is planned from the lock: no revision or tree request.
  const snapshot = found?.snapshot ?? pin ?? (await planSnapshot(spec, context.hub.api, context.signal, resolved));
  const placement = layout.placement(spec, snapshot.commit);
  const { content } = placement;
  const samePlace = entry !== undefined && layout.sharesContent(entry, spec);
  const sameDirectory = samePlace && layout.placement(spec, entry.commit).directory === placement.directory;
  const recorded = new Map(samePlace && entry ? entry.files.map((file) => [file.path, file]) : []);
  const keep: IndexedFile[] = [];
  const download: RemoteFile[] = [];
  const candidates: Array<{ remote: RemoteFile; record: IndexedFile }> = [];
  for (const remote of snapshot.files) {
    const old = recorded.get(remote.path);
    const record = toIndexedFile(remote, { mtimeMs: 0 });
    const where = locate(content, record, spec.repoId);
    if (entry && old && sameContent(remote, old) && fileUnchanged(content, old) && levelSatisfies(entry.verify, level)) {
      keep.push(old);
      continue;
    }
    // The file on disk is the recorded one and the Hub's differs: only fetching helps (a size check would pass a same-length edit).
    // hf: a new content has its own blob, so this applies only where the old file still sits at the new one's place.
    if (old && !sameContent(remote, old) && locate(content, old) === where && fileUnchanged(content, old)) {
      download.push(remote);
      continue;
    }
    // Content already on disk (an earlier run, another revision sharing the blob, huggingface_hub) is verified, not fetched.
    if (sizeOnDisk(where) === remote.size) candidates.push({ remote, record });
    else download.push(remote);
  }
  if (candidates.length > 0) {
    // A file the lock names but the cache recorded differently is hashed, whatever the level: the lock is the trust root.
    const { good, bad } = await recheckFiles(content, candidates.map((candidate) => candidate.record), pin ? "sha256" : level, context);
    keep.push(...good);
    download.push(...bad.map((failure) => toRemoteFile(failure.file)));
  }
  const selected = new Set(snapshot.files.map((file) => file.path));
  const remove = entry ? entry.files.map((file) => file.path).filter((path) => !sameDirectory || !selected.has(path)) : [];
  return {
    kind: "fetch",
    spec,
    level,
    directory: placement.directory,
    placement,
    commit: snapshot.commit,
    keep,
    download,
    remove,
    previous: entry,
    defaultExcluded: snapshot.defaultExcluded,
    pin,
    snapshot,
    mirror: found?.mirror,
  };
}

async function executeWork(plan: WorkPlan, layout: CacheLayout, context: RunContext, config: CacheSettings): Promise<EnsureResult> {
  const configPath = config.path;
  const { spec, placement } = plan;
  const bytes = plan.download.reduce((sum, file) => sum + file.size, 0);
  // Checked before the plan is announced: offline, there is no "fetching 1 file" that cannot happen.
  if (plan.download.length > 0 && context.settings.offline) {
    const names = plan.download.map((file) => file.path).join(", ");
    throw new NotCachedError(spec.id, `${plan.download.length} file(s) in ${plan.directory} are missing or damaged (${names}) and HF_HUB_OFFLINE is set`);
  }
  context.observer.modelPlanned(spec.id, { files: plan.download.length, bytes });
  // Held until this model is recorded: another model of the run needing one of its Xet files copies it then
  // (not with Xet switched off: through the bridge nothing is copied, so waiting would only cost time).
  using xetTurn = context.xetTurns.claim(context.settings.xet === false ? [] : plan.download.flatMap((file) => file.xetHash ?? []));
  const placed = [];
  let fetchedFrom = plan.previous?.fetchedFrom;
  let reusedBytes = 0;
  if (plan.download.length > 0) {
    // Held until the files are written: a model of the run checking its space meanwhile counts them.
    using _space = reserveFreeSpace(context.space, layout.root, spec.id, bytes - partialBytes(layout, plan));
    const { content } = placement;
    markWriting(layout.stateRoot, layout.partialKey(spec));
    for (const file of plan.download) {
      await makeWayFor(layout.stateRoot, spec, content.root, content.relativePath(toIndexedFile(file, { mtimeMs: 0 })), plan.kind === "repair", context);
    }
    await xetTurn.othersDone;
    // Files with the same content (hf: one blob) are fetched once.
    const index = await readIndexFor(layout.stateRoot, context);
    const inTheWay = oldFilesInTheWay(plan, layout, index);
    const xetReuse = reusableXetChunks(plan, layout, index);
    const jobs = [...new Map(plan.download.map((file) => [contentPath(plan, file), fileJob(plan, layout, file, inTheWay, xetReuse)])).values()];
    const download = (list: readonly FileJob[]) =>
      context.hub.engine.downloadAll(list, async (job, badCopy) => (await quarantineCopy(layout.stateRoot, spec, badCopy, job.file.path, context)) ?? badCopy, context.signal);
    const { placed: results, from } = await (plan.mirror ? downloadViaMirror(plan.mirror, spec.id, jobs, download, context) : download(jobs).then((list) => ({ placed: list, from: "hub" as const }))).catch(
      (error: unknown) => {
        throw explainFsError(error, fsErrorContext(spec, layout, config, () => fullDiskReport(plan, layout, bytes))) ?? (plan.pin ? pinnedDownloadError(error, spec, plan.pin) : error);
      },
    );
    fetchedFrom = from === "mirror" && plan.mirror ? plan.mirror.display : "hub";
    reusedBytes = results.reduce((sum, result) => sum + (result.reusedBytes ?? 0), 0);
    const finalPaths = new Map(jobs.map((job) => [job.file.path, job.finalPath]));
    const byContent = new Map<string, PlacedFile>(results.map((result) => [finalPaths.get(result.path) ?? "", result]));
    for (const remote of plan.download) {
      const result = byContent.get(contentPath(plan, remote));
      if (result) placed.push(indexedFromPlaced(remote, result));
    }
  }
  placement.publish([...plan.keep, ...placed]);
  await removeUnselected(plan, layout, placed, context);
  const now = new Date().toISOString();
  const level = plan.download.length === 0 && plan.previous ? strongerLevel(plan.previous.verify, plan.level) : plan.level;
  const entry: IndexEntry = {
    repoId: spec.repoId,
    repoType: spec.repoType,
    revision: spec.revision,
    commit: plan.commit,
    localDir: spec.localDir,
    selection: plan.pin?.selection ?? selectionFingerprint(spec),
    ...(plan.defaultExcluded?.length ? { defaultExcluded: [...plan.defaultExcluded] } : {}),
    verify: level,
    completedAt: plan.download.length === 0 && plan.previous && plan.kind !== "fetch" && plan.kind !== "update" ? plan.previous.completedAt : now,
    verifiedAt: now,
    files: [...plan.keep, ...placed],
    ...(fetchedFrom ? { fetchedFrom } : {}),
    ...(configPath !== undefined && { configuredBy: configPath }),
  };
  await updateIndex(
    layout.stateRoot,
    // The entry the plan started from is replaced, unless it is another configuration's.
    (index) => recordEntry(index, spec.id, entry, plan.previous && !ofAnotherConfiguration(plan.previous, configPath) ? plan.previous : undefined),
    { signal: context.signal },
  );
  clearWritingMark(layout.stateRoot, layout.partialKey(spec));
  removeModelPartialsIfEmpty(layout.stateRoot, layout.partialKey(spec));
  context.observer.modelFinished(spec.id);
  return { ...resultOf(plan, bytes, level), ...(fetchedFrom ? { fetchedFrom } : {}), ...(reusedBytes > 0 && { reusedBytes }) };
}

function resultOf(plan: WorkPlan, downloadedBytes: number, level: VerifyLevel): EnsureResult {
  return {
    id: plan.spec.id,
    path: plan.directory,
    kind: plan.kind,
    revision: plan.spec.revision,
    commit: plan.commit,
    ...(plan.kind === "update" && plan.previous ? { previousCommit: plan.previous.commit } : {}),
    downloadedFiles: plan.download.length,
    downloadedBytes,
    files: plan.keep.length + plan.download.length,
    bytes: [...plan.keep, ...plan.download].reduce((sum, file) => sum + file.size, 0),
    level,
    defaultExcluded: plan.defaultExcluded ?? [],
    ...(plan.previous?.fetchedFrom ? { fetchedFrom: plan.previous.fetchedFrom } : {}),
    snapshot: plan.snapshot ?? plan.pin ?? { commit: plan.commit, files: [...plan.keep.map(toRemoteFile), ...plan.download], defaultExcluded: plan.defaultExcluded ?? [] },
  };
}

function contentPath(plan: WorkPlan, file: RemoteFile): string {
  return locate(plan.placement.content, toIndexedFile(file, { mtimeMs: 0 }), plan.spec.repoId);
}

function fileJob(plan: WorkPlan, layout: CacheLayout, file: RemoteFile, inTheWay: ReadonlySet<string>, xetReuse: ChunkCatalog | undefined): FileJob {
  const { partialPath, statePath } = modelPartialPaths(layout.stateRoot, layout.partialKey(plan.spec), file.path);
  const { content } = plan.placement;
  return {
    modelId: plan.spec.id,
    repo: { repoId: plan.spec.repoId, repoType: plan.spec.repoType },
    commit: plan.commit,
    file,
    // A file the committed lock pins is hashed whatever the level: the lock is the trust root.
    level: plan.pin ? "sha256" : plan.level,
    finalPath: contentPath(plan, file),
    partialPath,
    statePath,
    // Only once the new file is verified, so a failed download leaves the old revision whole.
    ...(xetReuse && file.xetHash && { xetReuse }),
    ...(inTheWay.size > 0 && { beforePlace: () => clearOldEntriesOnPath(content.root, content.relativePath(toIndexedFile(file, { mtimeMs: 0 })), inTheWay) }),
  };
}

/**
 * Deletes files this model recorded that its configuration no longer selects,
 * also from its previous folder after a local_dir change (its lock is held) or its previous
 * snapshot (hf), but never a file another model records now, nor one this model just placed.
 */
async function removeUnselected(plan: WorkPlan, layout: CacheLayout, placed: readonly IndexedFile[], context: RunContext): Promise<void> {
  if (plan.remove.length === 0 || !plan.previous) return;
  const index = await readIndexFor(layout.stateRoot, context);
  const current = [...plan.keep, ...placed];
  const { removed, kept } = layout.removeRecorded(plan.spec, plan.previous, plan.remove, index, current);
  // Counted in the model's files, not in what went from disk (hf: the previous snapshot folder and blobs too).
  const selected = new Set(current.map((file) => file.path));
  const left = new Set(kept);
  const previousDir = plan.previous.localDir;
  const taken = removed.length === 0 ? [] : plan.remove.filter((path) => !left.has(recordedPath(layout.root, previousDir, path)));
  const gone = taken.filter((path) => !selected.has(path)).length;
  // Files of a model whose folder moved (plain); hf leaves another repository whole, so none there.
  const moved = layout.sharesContent(plan.previous, plan.spec) ? 0 : taken.length - gone;
  if (gone > 0) context.logger.info(`${plan.spec.id}: removed ${plural(gone, "file")} no longer selected`);
  if (moved > 0) context.logger.info(`${plan.spec.id}: removed ${plural(moved, "file")} from its previous folder ${previousDir}`);
  if (removed.length > 0) context.logger.debug(`${plan.spec.id}: removed ${removed.join(", ")}`);
  if (kept.length > 0) context.logger.debug(`${plan.spec.id}: left ${kept.join(", ")} in place: another model records ${kept.length === 1 ? "it" : "them"}`);
}

function sizeOnDisk(path: string): number | undefined {
  const stats = lstatExisting(path);
  return stats?.isFile() ? stats.size : undefined;
}

/**
 * The model's old files that this plan removes from the very folder its new
 * files go to (plain layout), minus any another model records: when upstream
 * turned a file into a folder of the same name or back, they stand in the way.
 */
function oldFilesInTheWay(plan: WorkPlan, layout: CacheLayout, index: CacheIndex): ReadonlySet<string> {
  if (layout.kind !== "plain" || !plan.previous || plan.previous.localDir !== plan.spec.localDir || plan.remove.length === 0) return new Set();
  const others = filesOfOtherModels(layout.root, entriesBesides(index, plan.spec.id, [plan.previous]));
  return new Set(plan.remove.filter((path) => !others.has(recordedPath(layout.root, plan.spec.localDir, path))));
}

/** After the disk filled up: what is still to fetch, and where what was fetched waits. */
function fullDiskReport(plan: WorkPlan, layout: CacheLayout, bytes: number): string {
  const key = layout.partialKey(plan.spec);
  const kept = modelPartialDir(layout.stateRoot, key);
  const resumable = listModelPartials(layout.stateRoot, key).some((name) => existsSync(join(kept, name.replace(/\.part$/, ".state.json"))));
  const missing = Math.max(0, bytes - partialBytes(layout, plan));
  return `stopped with ${formatBytes(missing)} still to fetch; what was fetched is kept in ${kept}${resumable ? " and the next run resumes it" : " (its resume state could not be saved on the full disk)"}`;
}

/** Bytes already allocated to partial files of this plan (they are sparse until written): they need no new space. */
function partialBytes(layout: CacheLayout, plan: WorkPlan): number {
  return plan.download.reduce((sum, file) => {
    const stats = statSync(modelPartialPaths(layout.stateRoot, layout.partialKey(plan.spec), file.path).partialPath, { throwIfNoEntry: false });
    return sum + (stats ? Math.min(stats.size, stats.blocks * 512) : 0);
  }, 0);
}
