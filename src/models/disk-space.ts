import { existsSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { InsufficientSpaceError } from "../errors.ts";
import { isTruthy } from "../hub/settings.ts";
import { formatBytes } from "../output/format.ts";

/**
 * Room kept free beyond the download itself, so a nearly full disk fails before
 * the transfer, not during it: 5 % of the volume, at most 256 MiB (a fixed
 * 256 MiB would refuse a 13 MiB model on a 50 MiB volume).
 */
const MAX_HEADROOM_BYTES = 256 * 1024 * 1024;
const HEADROOM_SHARE = 0.05;

export function headroomBytes(volumeBytes: number): number {
  return Math.min(MAX_HEADROOM_BYTES, Math.floor(volumeBytes * HEADROOM_SHARE));
}

/**
 * Fails before any byte is fetched when the filesystem holding the cache
 * cannot take the download (peers only warn, then die mid-transfer).
 * MODEL_MANAGER_SKIP_SPACE_CHECK=1 skips it for filesystems that misreport.
 */
export function ensureFreeSpace(cacheDir: string, neededBytes: number, what: string, env: Readonly<Record<string, string | undefined>> = process.env): void {
  if (neededBytes <= 0 || isTruthy(env.MODEL_MANAGER_SKIP_SPACE_CHECK)) return;
  const volume = volumeSpace(cacheDir);
  if (volume === undefined) return;
  const headroom = headroomBytes(volume.total);
  const available = volume.available;
  if (available >= neededBytes + headroom) return;
  throw new InsufficientSpaceError(
    `Not enough disk space for ${what}: it needs ${formatBytes(neededBytes)} (plus ${formatBytes(headroom)} headroom), but the filesystem holding ${cacheDir} has ${formatBytes(available)} free. Free some space, choose another --cache-dir, or set MODEL_MANAGER_SKIP_SPACE_CHECK=1 if this filesystem misreports its free space.`,
  );
}

function volumeSpace(path: string): { available: number; total: number } | undefined {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    const stats = statfsSync(existing);
    return { available: Number(stats.bavail) * Number(stats.bsize), total: Number(stats.blocks) * Number(stats.bsize) };
  } catch {
    return undefined;
  }
}
