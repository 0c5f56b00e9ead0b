/**
 * Keep a bad copy for inspection instead of deleting it (git-lfs's `.git/lfs/bad`
 * idea): `<cacheDir>/.model-manager/quarantine/<model>/<timestamp>-<path>`.
 * Nothing removes quarantined files automatically; `clean` is expected to.
 */

import { copyFile, mkdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDirectory } from "../cache/atomic-write.ts";
import { fileStamp, quarantineDir, safeFileName, unusedPath } from "../cache/layout.ts";

/** Moves `sourcePath` (the bad copy of `filePath` of model `modelId`) into quarantine; returns where it went. */
export async function quarantine(cacheDir: string, modelId: string, filePath: string, sourcePath: string): Promise<string> {
  const dir = join(quarantineDir(cacheDir), safeFileName(modelId));
  await mkdir(dir, { recursive: true });
  const destination = unusedPath(join(dir, `${fileStamp()}-${safeFileName(filePath)}`));
  try {
    await rename(sourcePath, destination);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    // local_dir on another filesystem than the cache's state directory.
    await copyFile(sourcePath, destination);
    await unlink(sourcePath);
  }
  fsyncDirectory(dir);
  return destination;
}
