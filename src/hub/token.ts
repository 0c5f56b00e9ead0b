import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export type TokenSource = "HF_TOKEN" | "HUGGING_FACE_HUB_TOKEN" | "HF_TOKEN_PATH" | "HF_HOME/token";

export type HubToken = {
  readonly value: string;
  /** Where it came from; safe to print, unlike the value. */
  readonly source: TokenSource;
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Same lookup order as huggingface_hub: HF_TOKEN, HUGGING_FACE_HUB_TOKEN,
 * the file at HF_TOKEN_PATH, then $HF_HOME/token (default ~/.cache/huggingface/token).
 */
export function findToken(env: Env = process.env): HubToken | undefined {
  const fromEnv = nonEmpty(env.HF_TOKEN);
  if (fromEnv) return { value: fromEnv, source: "HF_TOKEN" };
  const legacy = nonEmpty(env.HUGGING_FACE_HUB_TOKEN);
  if (legacy) return { value: legacy, source: "HUGGING_FACE_HUB_TOKEN" };
  const explicitPath = nonEmpty(env.HF_TOKEN_PATH);
  if (explicitPath) {
    const value = readTokenFile(explicitPath);
    return value ? { value, source: "HF_TOKEN_PATH" } : undefined;
  }
  const home = huggingFaceHome(env);
  const value = home ? readTokenFile(join(home, "token")) : undefined;
  return value ? { value, source: "HF_HOME/token" } : undefined;
}

/** undefined when there is no home directory to look in (containers run with an emptied environment). */
export function huggingFaceHome(env: Env): string | undefined {
  const explicit = nonEmpty(env.HF_HOME);
  if (explicit) return explicit;
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
  try {
    return nonEmpty(readFileSync(path, "utf8").replace(/[\r\n]/g, ""));
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
