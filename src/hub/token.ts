import { homedir } from "node:os";
import { join } from "node:path";
import { readTextOrUndefined } from "../cache/read-text.ts";
import { expandUserPath } from "../config/expand-path.ts";
import { UsageError } from "../errors.ts";

export type TokenSource = "HF_TOKEN" | "HUGGING_FACE_HUB_TOKEN" | "HF_TOKEN_PATH" | "HF_HOME/token";

export type HubToken = {
  readonly value: string;
  /** Where it came from; safe to print, unlike the value. */
  readonly source: TokenSource;
  /** The token file, when it came from one (HF_TOKEN_PATH or $HF_HOME/token). */
  readonly file?: string;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Same lookup order as huggingface_hub: HF_TOKEN, HUGGING_FACE_HUB_TOKEN,
 * the file at HF_TOKEN_PATH, then $HF_HOME/token (default ~/.cache/huggingface/token).
 * HF_TOKEN_PATH and HF_HOME expand `~` and `$VAR` as huggingface_hub does.
 */
export function findToken(env: Env = process.env): HubToken | undefined {
  const fromEnv = nonEmpty(env.HF_TOKEN);
  if (fromEnv) return { value: fromEnv, source: "HF_TOKEN" };
  const legacy = nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  if (legacy) return { value: legacy, source: "HUGGING_FACE_HUB_TOKEN" };
  const explicitPath = nonEmpty(env.HF_TOKEN_PATH);
  if (explicitPath) {
    const file = expandedPath("HF_TOKEN_PATH", explicitPath, env);
    const value = readTokenFile(file);
    return value ? { value, source: "HF_TOKEN_PATH", file } : undefined;
  }
  const home = huggingFaceHome(env);
  const file = home ? join(home, "token") : undefined;
  const value = file ? readTokenFile(file) : undefined;
  return value && file ? { value, source: "HF_HOME/token", file } : undefined;
}

/** Names where the token came from, for messages: the variable, or the file. */
export function describeTokenSource(token: HubToken): string {
  if (!token.file) return token.source;
  return token.source === "HF_TOKEN_PATH" ? `the token file ${token.file} (HF_TOKEN_PATH)` : `the token file ${token.file}`;
}

/**
 * Why the token cannot go into an Authorization header (a line break or
 * other character outside visible ASCII), or undefined when it can.
 */
export function tokenHeaderProblem(value: string): string | undefined {
  const bad = /[^\x21-\x7e]/.exec(value);
  if (!bad) return undefined;
  const char = bad[0];
  const what = char === "\n" || char === "\r" ? "a line break" : char === " " ? "a space" : `the character U+${char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0")}`;
  return `${what} at position ${bad.index + 1}`;
}

function expandedPath(name: string, value: string, env: Env): string {
  const expanded = expandUserPath(value, env);
  if ("problem" in expanded) throw new UsageError(`${name} ${expanded.problem}`);
  return expanded.path;
}

/** undefined when there is no home directory to look in (containers run with an emptied environment). */
function huggingFaceHome(env: Env): string | undefined {
  const explicit = nonEmpty(env.HF_HOME);
  if (explicit) return expandedPath("HF_HOME", explicit, env);
  const xdg = nonEmpty(env.XDG_CACHE_HOME);
  if (xdg) return join(xdg, "huggingface");
  const home = nonEmpty(env.HOME) ?? safeHomedir();
  return home ? join(home, ".cache", "huggingface") : undefined;
}

function safeHomedir(): string | undefined {
  try {
    return nonEmpty(homedir());
  } catch {
    return undefined;
  }
}

function readTokenFile(path: string): string | undefined {
  // Only surrounding whitespace goes: a line break inside is a damaged file, refused when the token is used.
  return nonEmpty(readTextOrUndefined(path));
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
