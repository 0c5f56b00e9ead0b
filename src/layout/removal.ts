import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { diskUsage } from "../models/disk-usage.ts";
import { pruneEmptyParents } from "../models/folder-ownership.ts";
import type { RemovalTarget } from "./types.ts";

/**
 * Folders and files removed whole (a link itself, never its target), measured now;
 * absent or empty ones are left out. After each, the folders it left empty go too, up to `pruneUpTo`.
 */
export function pathTargets(paths: readonly string[], pruneUpTo?: string): RemovalTarget[] {
  return paths
    .map((path) => ({ path, usage: diskUsage(path) }))
    .filter(({ usage }) => usage.files > 0 || usage.bytes > 0)
    .map(({ path, usage }) => ({
      path,
      bytes: usage.bytes,
      remove: () => {
        rmSync(path, { recursive: true, force: true });
        if (pruneUpTo) pruneEmptyParents(dirname(path), pruneUpTo);
      },
    }));
}
