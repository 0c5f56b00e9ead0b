/**
 * The entries of the cache index, one per model id and configuration file.
 *
 * Two configuration files may share a cache and name the same model id at different revisions,
 * selections or folders; each keeps its own entry (told apart by `configuredBy`), so neither run
 * undoes the other's. `models[id]` holds the entry last recorded for an id, as a release that knows
 * one entry per id reads and writes it; the others wait in `alsoConfigured[id]`. An index written
 * before then has no `alsoConfigured` and reads as it is.
 */

import { existsSync } from "node:fs";
import type { CacheIndex, IndexEntry } from "./index-schema.ts";

/** An entry with the model id it is recorded for. */
export type Recorded = { readonly id: string; readonly entry: IndexEntry };

/** Every entry recorded for `id`, the last recorded first. */
export function entriesOf(index: CacheIndex, id: string): IndexEntry[] {
  const last = index.models[id];
  return [...(last ? [last] : []), ...(index.alsoConfigured?.[id] ?? [])];
}

/** Every entry of the index, with its model id. */
export function everyEntry(index: CacheIndex): Recorded[] {
  const ids = new Set([...Object.keys(index.models), ...Object.keys(index.alsoConfigured ?? {})]);
  return [...ids].flatMap((id) => entriesOf(index, id).map((entry) => ({ id, entry })));
}

/**
 * True when `entry` was recorded by a run of another configuration file than `configPath`, one that
 * still exists: that configuration's to change or remove. An entry recorded without a configuration
 * file (an older release, a configuration given as an object), or by a file since moved or deleted,
 * belongs to whichever configuration runs the model next.
 */
export function ofAnotherConfiguration(entry: IndexEntry, configPath: string | undefined): boolean {
  const by = entry.configuredBy;
  return by !== undefined && configPath !== undefined && by !== configPath && existsSync(by);
}

/** The entries of `id` that a run from `configPath` may change or remove (see ofAnotherConfiguration). */
export function ownEntries(index: CacheIndex, id: string, configPath: string | undefined): IndexEntry[] {
  return entriesOf(index, id).filter((entry) => !ofAnotherConfiguration(entry, configPath));
}

/**
 * The entry a run of the model `id` from `configPath` starts from: its own (this configuration's,
 * then one `fits`, then any it may change); else another configuration's that `fits` (the same
 * revision and files, already on disk); else the one last recorded, left in place for its configuration.
 */
export function entryFor(index: CacheIndex, id: string, configPath: string | undefined, fits: (entry: IndexEntry) => boolean): IndexEntry | undefined {
  const entries = entriesOf(index, id);
  const own = ownEntries(index, id, configPath);
  return own.find((entry) => entry.configuredBy === configPath) ?? own.find(fits) ?? own[0] ?? entries.find(fits) ?? entries[0];
}

/** Every entry of the index except `id`'s entries in `except` (told apart by configuration file). */
export function entriesBesides(index: CacheIndex, id: string, except: readonly IndexEntry[]): IndexEntry[] {
  const slots = new Set(except.map(slotOf));
  return everyEntry(index).flatMap((recorded) => (recorded.id === id && slots.has(slotOf(recorded.entry)) ? [] : [recorded.entry]));
}

/** The entry of `id` recorded by the same configuration file as `like`, as the index holds it now. */
export function sameSlot(index: CacheIndex, id: string, like: IndexEntry): IndexEntry | undefined {
  return entriesOf(index, id).find((entry) => slotOf(entry) === slotOf(like));
}

/**
 * Records `entry` for `id` as the last one, in place of its configuration's previous entry and of
 * `replaced` (the entry the run started from, when it was this run's to replace); other
 * configurations' entries of the id stay.
 */
export function recordEntry(index: CacheIndex, id: string, entry: IndexEntry, replaced?: IndexEntry): void {
  const going = new Set([slotOf(entry), ...(replaced ? [slotOf(replaced)] : [])]);
  setEntries(index, id, [entry, ...entriesOf(index, id).filter((other) => !going.has(slotOf(other)))]);
}

/** Replaces `id`'s entry of the same configuration file as `like` by `update(entry)`; nothing when there is none. */
export function updateEntry(index: CacheIndex, id: string, like: IndexEntry, update: (entry: IndexEntry) => IndexEntry | undefined): void {
  const slot = slotOf(like);
  setEntries(
    index,
    id,
    entriesOf(index, id).flatMap((entry) => {
      if (slotOf(entry) !== slot) return [entry];
      const updated = update(entry);
      return updated ? [updated] : [];
    }),
  );
}

/** Removes the entries of `id` a run from `configPath` owns (see ownEntries); true when there was one. */
export function forgetOwnEntries(index: CacheIndex, id: string, configPath: string | undefined): boolean {
  const entries = entriesOf(index, id);
  const kept = entries.filter((entry) => ofAnotherConfiguration(entry, configPath));
  setEntries(index, id, kept);
  return kept.length < entries.length;
}

/** The index with no entry claimed by a configuration file (each belongs to whichever configuration runs its model next). */
export function withoutClaims(index: CacheIndex): CacheIndex {
  const unclaimed = ({ configuredBy: _, ...entry }: IndexEntry): IndexEntry => entry;
  const result: CacheIndex = { ...index, models: {} };
  delete result.alsoConfigured;
  for (const { id, entry } of everyEntry(index)) setEntries(result, id, [...entriesOf(result, id), unclaimed(entry)]);
  return result;
}

/**
 * One entry per id and configuration file: the configuration file is the entry's slot. Entries no
 * configuration file claims (see withoutClaims) are told apart by revision and folder.
 */
function slotOf(entry: IndexEntry): string {
  return entry.configuredBy ?? `\0${entry.revision}\0${entry.localDir}`;
}

function setEntries(index: CacheIndex, id: string, entries: readonly IndexEntry[]): void {
  const [last, ...rest] = entries;
  if (last) index.models[id] = last;
  else delete index.models[id];
  const more = { ...index.alsoConfigured };
  if (rest.length > 0) more[id] = rest;
  else delete more[id];
  if (Object.keys(more).length > 0) index.alsoConfigured = more;
  else delete index.alsoConfigured;
}
