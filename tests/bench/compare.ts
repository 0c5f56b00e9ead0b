/** Runs several tools against one hub, alternately, with comparable starting conditions. */
import { lstatSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RequestRecord, RequestTotals } from "../local-hub/request-log.ts";
import type { HubProcess } from "./hub-process.ts";
import { measure, type RunSpec, type Sample } from "./measure.ts";

export type Contender = {
  readonly name: string;
  readonly verifies: string;
  /** Emptied before every run. */
  readonly outputDir: string;
  readonly command: RunSpec;
  /** Runs after the output directory is emptied (e.g. to write a config file into it). */
  readonly prepare?: () => void;
  /** Fewer runs than the others (a peer that takes minutes per run). */
  readonly runs?: number;
  /** The regular files written must add up to at least this many bytes. */
  readonly expectBytes?: number;
};

export type ContenderRuns = {
  readonly samples: Sample[];
  /** What the hub saw during each run. */
  readonly hubStats: RequestTotals[];
  readonly hubRequests: RequestRecord[][];
};

/**
 * Round r runs every contender once, starting with a different one each
 * round. Before each run the outputs are removed, `sync` flushes what the
 * previous run left dirty (so no run pays for another's writeback), and the
 * hub's files are read into the page cache (so no run reads them from disk).
 */
export async function compare(
  hub: HubProcess,
  contenders: readonly Contender[],
  runs: number,
  log: (line: string) => void,
): Promise<Map<string, ContenderRuns>> {
  const results = new Map<string, ContenderRuns>(contenders.map((c) => [c.name, { samples: [], hubStats: [], hubRequests: [] }]));
  for (let round = 0; round < runs; round++) {
    const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]!);
    for (const contender of order) {
      if (round >= (contender.runs ?? runs)) continue;
      resetDir(contender.outputDir);
      contender.prepare?.();
      Bun.spawnSync(["sync"]);
      hub.warmPageCache();
      await hub.clearLog();
      const sample = await measure(contender.command);
      const written = regularFileBytes(contender.outputDir);
      if (contender.expectBytes !== undefined && written < contender.expectBytes) {
        throw new Error(`${contender.name} wrote ${written} bytes, expected at least ${contender.expectBytes}`);
      }
      const result = results.get(contender.name)!;
      result.samples.push(sample);
      result.hubStats.push(await hub.stats());
      result.hubRequests.push(await hub.requests());
      log(`  ${contender.name.padEnd(16)} run ${round + 1}: ${(sample.wallMs / 1000).toFixed(2)} s, ${(sample.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
    }
  }
  for (const contender of contenders) rmSync(contender.outputDir, { recursive: true, force: true });
  Bun.spawnSync(["sync"]);
  return results;
}

export function resetDir(path: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
}

/** Bytes in regular files below `path` (symlinks and aria2 control files are not content). */
export function regularFileBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { recursive: true, encoding: "utf8" })) {
    if (entry.endsWith(".aria2")) continue;
    const stats = lstatSync(join(path, entry));
    if (stats.isFile()) total += stats.size;
  }
  return total;
}

/**
 * The connections `path` was fetched on: the most of its responses in flight at
 * once, sampled at the middle of each (a new request overlapping the end of the
 * one before it on the same connection does not count twice).
 */
export function peakConcurrency(requests: readonly RequestRecord[], path: string): number {
  const spans = requests
    .filter((request) => request.path === path && request.bodyBytes > 0)
    .map((request) => [request.at, request.at + (request.durationMs ?? 0)] as const);
  const inFlightAt = (moment: number) => spans.filter(([start, end]) => start <= moment && moment < end).length;
  return Math.max(0, ...spans.map(([start, end]) => inFlightAt((start + end) / 2)));
}
