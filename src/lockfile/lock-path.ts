import { statSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { stringArgument } from "../api-arguments.ts";

/** `models.yaml` → `models.lock.json` in the same folder: the lock is committed beside its configuration. */
export function lockPathFor(configPath: string): string {
  stringArgument(configPath, "lockPathFor: configPath");
  const name = basename(configPath);
  const stem = name.slice(0, name.length - extname(name).length) || name;
  return join(dirname(configPath), `${stem}.lock.json`);
}

/**
 * The configuration file a lock can sit beside: undefined for one that did not come from a file,
 * or came from a pipe or device (`-c /dev/stdin`, `-c <(…)`), where `<name>.lock.json` would land in /dev.
 */
export function lockableConfigPath(config: { readonly path?: string }): string | undefined {
  if (config.path === undefined) return undefined;
  // `-c /dev/stdin < models.yaml` reads a regular file, but the lock still has no place in /dev.
  if (/^\/(dev|proc)\//.test(config.path)) return undefined;
  return statSync(config.path, { throwIfNoEntry: false })?.isFile() ? config.path : undefined;
}

/** For messages: why there is no lock beside this configuration. */
export function noLockHome(config: { readonly path?: string }): string {
  return config.path === undefined ? "the configuration did not come from a file" : `${config.path} is not a regular file (a pipe or device)`;
}
