import { existsSync, statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { InsufficientSpaceError } from "../errors.ts";
import { isTruthy } from "../hub/settings.ts";
import { formatBytes } from "../output/format.ts";
import type { SpaceLedger } from "./space-ledger.ts";

/**
 * Room kept free beyond the download itself, so a nearly full disk fails before
 * the transfer, not during it: 5 % of the volume, at most 256 MiB (a fixed
 * 256 MiB would refuse a 13 MiB model on a 50 MiB volume).
 */
const MAX_HEADROOM_BYTES = 256 * 1024 * 1024;
const HEADROOM_SHARE = 0.05;

function headroomBytes(volumeBytes: number): number {
  return Math.min(MAX_HEADROOM_BYTES, Math.floor(volumeBytes * HEADROOM_SHARE));
}

/**
 * Fails before any byte is fetched when the filesystem holding the cache
 * cannot take the download (peers only warn, then die mid-transfer), counting
 * what the other models of the run are still about to write there; otherwise
 * reserves the bytes in `ledger` until the returned handle is disposed.
 * MODEL_MANAGER_SKIP_SPACE_CHECK=1 skips it for filesystems that misreport.
 */
export function reserveFreeSpace(
  ledger: SpaceLedger,
  cacheDir: string,
  modelId: string,
  neededBytes: number,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Disposable {
  const nothing = { [Symbol.dispose]() {} };
  if (neededBytes <= 0 || isTruthy(env.MODEL_MANAGER_SKIP_SPACE_CHECK)) return nothing;
  const volume = volumeSpace(cacheDir);
  if (volume === undefined) return nothing;
  const headroom = headroomBytes(volume.total);
  const others = ledger.othersOn(volume.id, modelId);
  const promised = others.reduce((sum, other) => sum + other.bytes, 0);
  if (volume.available >= neededBytes + headroom + promised) return ledger.reserve(volume.id, modelId, neededBytes);
  const names = others.map((other) => `"${other.modelId}"`).join(", ");
  const ofWhich = others.length === 0 ? "" : `, and model${others.length === 1 ? "" : "s"} ${names} of this run ${others.length === 1 ? "is" : "are"} still to write ${formatBytes(promised)} of it`;
  throw new InsufficientSpaceError(
    `Not enough disk space for model "${modelId}": it needs ${formatBytes(neededBytes)} (plus ${formatBytes(headroom)} headroom), but the filesystem holding ${cacheDir} has ${formatBytes(volume.available)} free${ofWhich}. Free some space, choose another --cache-dir, or set MODEL_MANAGER_SKIP_SPACE_CHECK=1 if this filesystem misreports its free space.`,
  );
}

/** `id`: the device, so models whose folders share a filesystem share its free space. */
function volumeSpace(path: string): { id: string; available: number; total: number } | undefined {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  try {
    const stats = statfsSync(existing);
    return { id: String(statSync(existing).dev), available: Number(stats.bavail) * Number(stats.bsize), total: Number(stats.blocks) * Number(stats.bsize) };
  } catch {
    return undefined;
  }
}
