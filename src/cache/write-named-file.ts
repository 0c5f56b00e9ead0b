import { statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic-write.ts";
import { FilesystemError, fsErrorOf, fsFailureWords } from "./fs-errors.ts";
import { realpathOrSelf } from "./real-path.ts";

/**
 * Writes a file the user will look for (the lock, an SBOM, the configuration) atomically.
 * A filesystem failure names that file and why, never the temporary file beside it.
 * `what`: "the lock", "the SBOM", …
 */
export function writeNamedFile(path: string, data: string, what: string): void {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats?.isDirectory()) throw new FilesystemError(`cannot write ${what} to ${path}: a folder stands there`);
  try {
    // A pipe or device (`--output /dev/stdout`) is written to as it is: nothing to replace atomically,
    // and a temporary file beside it would land in /dev (or, through /proc, in the working directory).
    if (stats && !stats.isFile()) writeFileSync(path, data);
    // Through a symlink (a configuration kept in a dotfiles repository): the file it points to is
    // replaced, not the link.
    else writeFileAtomic(realpathOrSelf(path), data);
  } catch (error) {
    const failure = fsErrorOf(error);
    if (!failure) throw error;
    const why = failure.code === "ENOENT" ? `the folder ${dirname(path)} does not exist` : failure.code === "ENOTDIR" ? "a file stands where a folder of its path should be" : fsFailureWords(failure);
    throw new FilesystemError(`cannot write ${what} to ${path}: ${why}`);
  }
}
