import { byCodeUnit } from "../by-code-unit.ts";
import { writeNamedFile } from "../cache/write-named-file.ts";
import type { LockedFile, LockedModel, LockFile } from "./schema.ts";

const MODEL_KEYS = ["id", "repoId", "repoType", "revision", "selection", "commit"] as const;
const FILE_KEYS = ["path", "size", "sha256", "gitOid", "xetHash"] as const;

/**
 * The lock as committed text: fixed key order, models by id and files by path,
 * one file per line, a trailing newline. Two runs over the same resolution give
 * the same bytes, and a diff shows one line per changed file.
 */
export function formatLock(lock: LockFile): string {
  const models = [...lock.models].sort((a, b) => byCodeUnit(a.id, b.id)).map(formatLockedModel);
  const body = models.length === 0 ? "[]" : `[\n${models.join(",\n")}\n  ]`;
  return `{\n  "lockVersion": ${lock.lockVersion},\n  "configDigest": ${JSON.stringify(lock.configDigest)},\n  "models": ${body}\n}\n`;
}

export function writeLock(path: string, lock: LockFile): void {
  writeNamedFile(path, formatLock(lock), "the lock");
}

/** One model's entry as the lock writes it (files sorted), so two entries compare by their text. */
export function formatLockedModel(model: LockedModel): string {
  const fields = MODEL_KEYS.map((key) => `      ${JSON.stringify(key)}: ${JSON.stringify(model[key])}`);
  const files = [...model.files].sort((a, b) => byCodeUnit(a.path, b.path)).map((file) => `        ${formatFile(file)}`);
  const list = files.length === 0 ? "[]" : `[\n${files.join(",\n")}\n      ]`;
  return `    {\n${fields.join(",\n")},\n      "files": ${list}\n    }`;
}

export function formatFile(file: LockedFile): string {
  const fields = FILE_KEYS.filter((key) => file[key] !== undefined).map((key) => `${JSON.stringify(key)}: ${JSON.stringify(file[key])}`);
  return `{ ${fields.join(", ")} }`;
}
