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
  return hfHubCache(env, cwd).dir;
}

/** The folder and, for messages, the setting that chose it ("HF_HUB_CACHE", "HF_HOME/hub"…). */
export function hfHubCache(env: Env = process.env, cwd: string = process.cwd()): { readonly dir: string; readonly source: string } {
  const set = (name: string) => (env[name] ? expandPath(env[name], env) : undefined);
  for (const name of ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"]) {
    const hubCache = set(name);
    if (hubCache) return { dir: resolve(cwd, hubCache), source: name };
  }
  const hfHome = set("HF_HOME");
  if (hfHome) return { dir: resolve(cwd, hfHome, "hub"), source: "HF_HOME/hub" };
  const xdg = set("XDG_CACHE_HOME");
  const home = join(xdg ?? join(homeOf(env), ".cache"), "huggingface");
  return { dir: resolve(cwd, home, "hub"), source: xdg ? "XDG_CACHE_HOME/huggingface/hub" : "the Hugging Face cache" };
}

/** `~` and `$VAR` expanded; a variable that is not set stays as written, as with Python's os.path.expandvars. */
function expandPath(path: string, env: Env): string {
  const expanded = expandUserPath(path, env);
  return "path" in expanded ? expanded.path : path;
}

function homeOf(env: Env): string {
  return env.HOME || homedir();
}
