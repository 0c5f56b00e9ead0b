import { dirname, join } from "node:path";
import { writeFileAtomic } from "../cache/atomic-write.ts";
import { readTextOrUndefined } from "../cache/read-text.ts";
import { acquireLock, describeLockOwner } from "../cache/lock.ts";
import { AccessDeniedError, messageOf } from "../errors.ts";
import type { Logger } from "../output/logger.ts";
import { cleanServerText } from "./server-text.ts";
import type { HubToken } from "./token.ts";

/**
 * `hf auth login` (huggingface_hub ≥ mid-2026) signs in through the browser
 * and stores an access token that expires, with a refresh token, in
 * `stored_tokens` beside the token file (an INI file: one section per login,
 * `hf_token`, `refresh_token`, `expires_at` in unix seconds). Like
 * huggingface_hub's `get_token()` (utils/_auth.py), a token with less than a
 * day left is exchanged at `{endpoint}/oauth/token` before it is used, and
 * both files are updated so the next run (or the Python tools) use the new one.
 */

/** huggingface_hub refreshes when less than a day of validity remains. */
const REFRESH_MARGIN_SECONDS = 24 * 3600;

/** A refresh is one small request: a holder still at it after this long is not waited for. */
const REFRESH_LOCK_TIMEOUT_MS = 5 * 60_000;

/** huggingface_hub's client id for the device-code login (HF_DEVICE_CODE_OAUTH_CLIENT_ID overrides it). */
const DEFAULT_CLIENT_ID = "26be6b09-91c5-47da-9861-d2d2bb7a7e36";

type Sections = Map<string, Map<string, string>>;

export type StoredLogin = {
  readonly name: string;
  /** The access token the login holds now. */
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly expiresAt?: number;
  readonly storePath: string;
};

/** The stored login the token file's token belongs to, if `hf auth login` recorded one. */
export function storedLogin(token: HubToken): StoredLogin | undefined {
  if (!token.file) return undefined;
  const storePath = join(dirname(token.file), "stored_tokens");
  for (const [name, fields] of readStore(storePath)) {
    if (fields.get("hf_token") === token.value) return loginOf(storePath, name, fields);
  }
  return undefined;
}

/** The login `name` as stored now (another process may have refreshed it). */
function storedLoginNamed(storePath: string, name: string): StoredLogin | undefined {
  const fields = readStore(storePath).get(name);
  return fields ? loginOf(storePath, name, fields) : undefined;
}

function loginOf(storePath: string, name: string, fields: ReadonlyMap<string, string>): StoredLogin | undefined {
  const accessToken = fields.get("hf_token");
  if (!accessToken) return undefined;
  const expiresAt = Number(fields.get("expires_at"));
  return { name, accessToken, refreshToken: fields.get("refresh_token") || undefined, expiresAt: Number.isSafeInteger(expiresAt) ? expiresAt : undefined, storePath };
}

function needsRefresh(login: StoredLogin, nowSeconds = Date.now() / 1000): boolean {
  return login.refreshToken !== undefined && login.expiresAt !== undefined && login.expiresAt - REFRESH_MARGIN_SECONDS <= nowSeconds;
}

export type TokenExchange = (url: string, form: string) => Promise<{ status: number; body: unknown }>;

/**
 * A fresh access token for `token`, or `token` itself when it needs none or
 * the Hub cannot be asked right now (it may still be valid). A refresh the
 * Hub refuses (the login expired or was revoked) is an AccessDeniedError.
 */
export async function refreshedToken(token: HubToken, endpoint: string, clientId: string | undefined, exchange: TokenExchange, logger: Logger): Promise<HubToken> {
  const seen = storedLogin(token);
  if (!seen || !needsRefresh(seen) || !token.file) return token;
  // A refresh token may be spent once: two processes refreshing at once would both spend it. One at a time;
  // the next reads what the previous one stored.
  using _held = await holdStoreLock(seen.storePath, logger);
  const login = storedLoginNamed(seen.storePath, seen.name) ?? seen;
  if (!needsRefresh(login) || !login.refreshToken) {
    if (login.accessToken === token.value) return token;
    logger.debug(`the login "${login.name}" in ${token.file} was refreshed by another process meanwhile; using its new token`);
    return { ...token, value: login.accessToken };
  }
  const form = new URLSearchParams({
    grant_type: "refresh_token",
    refresh_token: login.refreshToken,
    client_id: clientId || DEFAULT_CLIENT_ID,
  }).toString();
  let answer: { status: number; body: unknown };
  try {
    answer = await exchange(`${endpoint}/oauth/token`, form);
  } catch (error) {
    if (error instanceof AccessDeniedError) throw error;
    logger.warn(`could not refresh the login in ${token.file} (${error instanceof Error ? cleanServerText(error.message) : "no answer"}); trying the stored token as it is`);
    return token;
  }
  const body = (typeof answer.body === "object" && answer.body !== null ? answer.body : {}) as Record<string, unknown>;
  if (typeof body.access_token !== "string" || body.access_token === "") {
    const reason = cleanServerText([body.error, body.error_description].filter((part) => typeof part === "string").join(": ") || `HTTP ${answer.status}`);
    if (body.error === "invalid_grant" || answer.status === 400 || answer.status === 401) {
      throw new AccessDeniedError(
        `The browser login saved in ${token.file} by \`hf auth login\` has expired and could not be refreshed (${reason}): run \`hf auth login\` again, or set HF_TOKEN to a token`,
      );
    }
    logger.warn(`could not refresh the login in ${token.file} (${reason}); trying the stored token as it is`);
    return token;
  }
  const expiresIn = Number(body.expires_in);
  const fields = new Map([
    ["hf_token", body.access_token],
    ["refresh_token", typeof body.refresh_token === "string" && body.refresh_token ? body.refresh_token : login.refreshToken],
  ]);
  if (Number.isFinite(expiresIn)) fields.set("expires_at", String(Math.floor(Date.now() / 1000 + expiresIn)));
  const store = readStore(login.storePath);
  store.set(login.name, fields);
  // Owner-only, replaced in one step: a reader never sees half a token.
  writeFileAtomic(login.storePath, renderStore(store), { mode: 0o600 });
  // The active token file follows, unless another login replaced it meanwhile.
  const active = readTextOrUndefined(token.file)?.trim();
  if (active === token.value || active === login.accessToken) writeFileAtomic(token.file, body.access_token, { mode: 0o600 });
  logger.info(`refreshed the expiring login "${login.name}" from \`hf auth login\` (${token.file})`);
  return { ...token, value: body.access_token };
}

/**
 * The cross-process lock of the cache (src/cache/lock.ts), beside stored_tokens: every run using this
 * login takes it, whatever its cache. Without it (a read-only home, a holder that never ends) the refresh
 * goes on unlocked, as before there was one.
 */
async function holdStoreLock(storePath: string, logger: Logger): Promise<Disposable> {
  try {
    return await acquireLock(`${storePath}.model-manager.lock`, {
      purpose: "refreshing the `hf auth login` token",
      timeoutMs: REFRESH_LOCK_TIMEOUT_MS,
      onWait: (owner) => logger.info(`waiting for ${describeLockOwner(owner)}`),
      onBreak: (owner, reason) => logger.warn(`took over a stale lock of ${describeLockOwner(owner)} (${reason})`),
    });
  } catch (error) {
    logger.warn(`could not lock ${storePath} for the login refresh (${messageOf(error)}); refreshing without it`);
    return { [Symbol.dispose]() {} };
  }
}

function readStore(path: string): Sections {
  const sections: Sections = new Map();
  const text = readTextOrUndefined(path);
  if (text === undefined) return sections;
  let current: Map<string, string> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[(.+)\]\s*$/.exec(line);
    if (header?.[1]) {
      current = new Map();
      sections.set(header[1], current);
      continue;
    }
    const field = /^\s*([^=:#;\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (field?.[1] && current) current.set(field[1].toLowerCase(), field[2] ?? "");
  }
  return sections;
}

/** Python configparser's layout, sections sorted as huggingface_hub writes them. */
function renderStore(sections: Sections): string {
  return [...sections.keys()]
    .sort()
    .map((name) => `[${name}]\n${[...(sections.get(name) ?? [])].map(([key, value]) => `${key} = ${value}\n`).join("")}\n`)
    .join("");
}
