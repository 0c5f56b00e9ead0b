import { unlinkSync } from "node:fs";
import { join } from "node:path";
import { lstatExisting, resolveInside } from "../cache/layout.ts";
import type { ModelSpec } from "../config/types.ts";
import type { RunContext } from "./context.ts";
import { quarantineCopy } from "./recheck.ts";

/**
 * Clears a model file's path before a fresh copy is placed there. A link, fifo
 * or socket is removed itself (a link's target is never touched, wherever it
 * points); a damaged regular file or a folder being repaired is moved to
 * quarantine, never deleted. The folders on the way must still lead inside
 * the model folder (resolveInside refuses otherwise).
 */
export async function makeWayFor(
  cacheDir: string,
  spec: Pick<ModelSpec, "id" | "repoId">,
  directory: string,
  filePath: string,
  repairing: boolean,
  context: RunContext,
): Promise<void> {
  const slash = filePath.lastIndexOf("/");
  const parent = slash === -1 ? directory : resolveInside(directory, filePath.slice(0, slash), spec.repoId);
  const target = join(parent, filePath.slice(slash + 1));
  const stats = lstatExisting(target);
  if (!stats) return;
  if (!stats.isFile() && !stats.isDirectory()) {
    unlinkSync(target);
    context.logger.info(`${spec.id}: removed the ${stats.isSymbolicLink() ? "symlink" : "special file"} at ${filePath}${stats.isSymbolicLink() ? " (not its target)" : ""} to fetch the file again`);
    return;
  }
  if (repairing) await quarantineCopy(cacheDir, spec, target, filePath, context);
}
