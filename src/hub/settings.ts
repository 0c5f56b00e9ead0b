import { UsageError } from "../errors.ts";
import { findToken, type HubToken } from "./token.ts";

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = "https://huggingface.co";

/** Everything the Hub client takes from the environment, read once. */
export type HubSettings = {
  /** Origin and optional path prefix of the Hub, without a trailing "/". */
  readonly endpoint: string;
  readonly token?: HubToken;
  /** HF_HUB_OFFLINE: no request at all. */
  readonly offline: boolean;
  /** A connection that delivers no byte (headers or body) for this long is aborted and retried. */
  readonly stallTimeoutMs: number;
  /** An API call (revision, tree page) must end within this, all its attempts together (see CallBudget). */
  readonly apiDeadlineMs: number;
  /** HF_DEVICE_CODE_OAUTH_CLIENT_ID: the client id for refreshing an `hf auth login` browser login. */
  readonly oauthClientId?: string;
  /** Native Xet transfers for Xet-backed files (default on); MODEL_MANAGER_XET=0 or HF_HUB_DISABLE_XET=1 use the Hub's bridge. */
  readonly xet?: boolean;
};

const DEFAULT_STALL_TIMEOUT_SECONDS = 30;
/** The API deadline in stall timeouts: 2 minutes by default. */
const API_DEADLINE_STALL_TIMEOUTS = 4;

export function readHubSettings(env: Env = process.env): HubSettings {
  checkProxySettings(env);
  const stallTimeoutMs = parseSeconds("HF_HUB_DOWNLOAD_TIMEOUT", env.HF_HUB_DOWNLOAD_TIMEOUT, DEFAULT_STALL_TIMEOUT_SECONDS) * 1000;
  return {
    endpoint: parseEndpoint(env.HF_ENDPOINT),
    token: findToken(env),
    offline: isTruthy(env.HF_HUB_OFFLINE),
    stallTimeoutMs,
    // A server trickling a byte now and then never stalls; a real API answer takes well under this.
    apiDeadlineMs: stallTimeoutMs * API_DEADLINE_STALL_TIMEOUTS,
    oauthClientId: env.HF_DEVICE_CODE_OAUTH_CLIENT_ID?.trim() || undefined,
    xet: !isTruthy(env.HF_HUB_DISABLE_XET) && !isFalsy(env.MODEL_MANAGER_XET),
  };
}

/** huggingface_hub's boolean parsing: 1, ON, YES, TRUE in any case. */
export function isTruthy(value: string | undefined): boolean {
  return ["1", "on", "yes", "true"].includes((value ?? "").trim().toLowerCase());
}

function isFalsy(value: string | undefined): boolean {
  return ["0", "off", "no", "false"].includes((value ?? "").trim().toLowerCase());
}

/** `huggingface.co` or `localhost:8977` (read as the scheme "localhost"): the scheme is what is missing. */
function withoutSchemeHint(raw: string): string {
  if (!/^[\w.-]+(:\d+)?(\/\S*)?$/.test(raw)) return "";
  const meant = `http${/^(localhost|127\.)/.test(raw) ? "" : "s"}://${raw}`;
  return URL.canParse(meant) ? ` (did you mean ${JSON.stringify(meant)}?)` : "";
}

function parseEndpoint(value: string | undefined): string {
  const raw = value?.trim() || DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`HF_ENDPOINT is not a valid URL: ${JSON.stringify(raw)}${withoutSchemeHint(raw)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`HF_ENDPOINT must be an http(s) URL, but its scheme is "${url.protocol.replace(/:$/, "")}"${withoutSchemeHint(raw)}`);
  }
  if (url.username || url.password) {
    throw new UsageError("HF_ENDPOINT must not contain credentials; use HF_TOKEN for the token");
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/** The variables Bun's fetch takes a proxy from. */
const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] as const;

/**
 * A proxy is contacted for every request, so it has to be http(s) like every
 * other URL we fetch. Only the scheme is printed: proxy URLs carry passwords.
 */
function checkProxySettings(env: Env): void {
  for (const name of PROXY_VARIABLES) {
    const scheme = /^\s*([a-z][a-z0-9+.-]*):\/\//i.exec(env[name] ?? "")?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== "http" && scheme !== "https") {
      throw new UsageError(`${name} must be an http:// or https:// proxy URL, but its scheme is "${scheme}" (no other kind of proxy is supported)`);
    }
  }
}

function parseSeconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === "") return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`${name} must be a positive number of seconds, got ${JSON.stringify(value)}`);
  }
  return seconds;
}
