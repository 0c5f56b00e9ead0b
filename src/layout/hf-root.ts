/**
 * The Hugging Face hub cache folder, found as huggingface_hub's constants.py does:
 * HF_HUB_CACHE, else HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub, where HF_HOME defaults to
 * $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface. `~` and `$VAR` are expanded.
 */

import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { expandUserPath } from "../config/expand-path.ts";

type Env = Readonly<Record<string, string | undefined>>;

export function hfHubCacheDir(env: Env = process.env, cwd: string = process.cwd()): string {
  const set = (name: string) => (env[name] ? expandPath(env[name], env) : undefined);
  const hubCache = set("HF_HUB_CACHE") ?? set("HUGGINGFACE_HUB_CACHE");
  if (hubCache) return resolve(cwd, hubCache);
  const home = set("HF_HOME") ?? join(set("XDG_CACHE_HOME") ?? join(homeOf(env), ".cache"), "huggingface");
  return resolve(cwd, home, "hub");
}

/** `~` and `$VAR` expanded; a variable that is not set stays as written, as with Python's os.path.expandvars. */
function expandPath(path: string, env: Env): string {
  const expanded = expandUserPath(path, env);
  return "path" in expanded ? expanded.path : path;
}

function homeOf(env: Env): string {
  return env.HOME || homedir();
}
