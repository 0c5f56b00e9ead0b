import { basename, dirname, extname, join } from "node:path";

/** `models.yaml` → `models.lock.json` in the same folder: the lock is committed beside its configuration. */
export function lockPathFor(configPath: string): string {
  const name = basename(configPath);
  const stem = name.slice(0, name.length - extname(name).length) || name;
  return join(dirname(configPath), `${stem}.lock.json`);
}
