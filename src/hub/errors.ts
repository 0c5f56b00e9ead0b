import type { RepoType } from "../config/types.ts";
import { AccessDeniedError, DownloadError, ModelManagerError, NotFoundError } from "../errors.ts";
import { isRetryableStatus, RetryableResponseError, serverRequestedDelayMs } from "./retry.ts";
import { ERROR_BODY_LIMIT_BYTES, readTextPrefix } from "./bounded-body.ts";
import { cleanServerText } from "./server-text.ts";
import { repoPageUrl } from "./urls.ts";

/** What was being asked for, so an error can name it. */
export type HubRequestContext = {
  readonly endpoint: string;
  readonly repoId: string;
  readonly repoType: RepoType;
  readonly revision?: string;
  readonly path?: string;
  readonly tokenSent: boolean;
};

/**
 * Turns a non-success Hub response into an error a user can act on
 * (hf-protocol.md §4), or a RetryableResponseError for 408/429/5xx.
 */
export async function errorFromResponse(response: Response, context: HubRequestContext): Promise<Error> {
  const status = response.status;
  const errorCode = response.headers.get("x-error-code") ?? "";
  const serverMessage = await readServerMessage(response);
  const detail = serverMessage ? ` (Hub says: ${serverMessage})` : "";
  const repo = describeRepo(context);

  if (isRetryableStatus(status)) {
    return new RetryableResponseError(status, serverRequestedDelayMs(response.headers), `HTTP ${status} from the Hub${detail}`);
  }
  if (errorCode === "GatedRepo") {
    const page = repoPageUrl(context.endpoint, context.repoType, context.repoId);
    const tokenState = context.tokenSent
      ? "A token was sent, but its account is not approved for this repository (or a fine-grained token lacks access to gated repos)."
      : "No token was sent: set HF_TOKEN to a token of an approved account.";
    return new AccessDeniedError(`${repo} is gated: request access at ${page} . ${tokenState}`);
  }
  if (errorCode === "RevisionNotFound") {
    return new NotFoundError("revision", `Revision "${context.revision}" not found in ${repo}${detail}`);
  }
  if (errorCode === "EntryNotFound") {
    return new NotFoundError("file", `File "${context.path}" not found in ${repo} at revision ${context.revision}${detail}`);
  }
  if (status === 401 && /invalid credentials/i.test(serverMessage)) {
    return new AccessDeniedError(`The Hub rejected the token as invalid while fetching ${repo}: check HF_TOKEN.`);
  }
  if (errorCode === "RepoNotFound" || status === 401 || status === 404) {
    const hint = context.tokenSent
      ? "Check the repo id, or whether your token's account can see it."
      : "If it is private, set HF_TOKEN to a token that can read it.";
    return new NotFoundError("repository", `${repo} was not found on ${context.endpoint}. ${hint}`);
  }
  if (status === 403) {
    const hint = context.tokenSent ? "" : " No token was sent: set HF_TOKEN if the repository needs one.";
    return new AccessDeniedError(`Access to ${repo} was refused (HTTP 403)${detail}.${hint}`);
  }
  if (status === 416) {
    return new DownloadError(`The server refused the byte range for ${describeFile(context)} (HTTP 416)`);
  }
  return new DownloadError(`HTTP ${status} from the Hub for ${describeFile(context)}${detail}`);
}

export function describeRepo(context: Pick<HubRequestContext, "repoId" | "repoType">): string {
  return context.repoType === "model" ? `repository ${context.repoId}` : `${context.repoType} repository ${context.repoId}`;
}

function describeFile(context: HubRequestContext): string {
  return context.path ? `"${context.path}" in ${describeRepo(context)}` : describeRepo(context);
}

async function readServerMessage(response: Response): Promise<string> {
  const header = cleanServerText(response.headers.get("x-error-message") ?? "");
  // Read only the start of the body: a hostile or broken server can send an endless one.
  const text = await readTextPrefix(response, ERROR_BODY_LIMIT_BYTES);
  let body = "";
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") body = parsed.error;
    else if (Array.isArray(parsed.error)) body = parsed.error.join("; ");
  } catch {
    body = /^[\x20-\x7e]{1,300}$/.test(text.trim()) ? text.trim() : "";
  }
  return header || cleanServerText(body);
}

export function isModelManagerError(error: unknown): error is ModelManagerError {
  return error instanceof ModelManagerError;
}
