import type { RepoType } from "../config/types.ts";
import { AccessDeniedError, DownloadError, NotFoundError } from "../errors.ts";
import { isRetryableStatus, RetryableResponseError, serverRequestedDelayMs } from "./retry.ts";
import { ERROR_BODY_LIMIT_BYTES, readTextPrefix } from "./bounded-body.ts";
import { isHubUrl } from "./hub-hosts.ts";
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
  /** Where the token came from (HF_TOKEN, the token file …), when one was sent. */
  readonly tokenSource?: string;
};

/**
 * Turns a non-success response into an error a user can act on
 * (hf-protocol.md §4), or a RetryableResponseError for 408/429/5xx.
 * `url` is where the response came from: the Hub, or the CDN it redirected to.
 */
export async function errorFromResponse(response: Response, context: HubRequestContext, url: string): Promise<Error> {
  const status = response.status;
  const errorCode = response.headers.get("x-error-code") ?? "";
  const { message: serverMessage, json } = await readServerMessage(response);
  const fromHub = isHubUrl(url, new URL(context.endpoint).origin);
  const detail = serverMessage ? ` (${fromHub ? "Hub" : "server"} says: ${serverMessage})` : "";
  const repo = describeRepo(context);

  if (isRetryableStatus(status)) {
    const from = fromHub ? "the Hub" : new URL(url).host;
    return new RetryableResponseError(status, serverRequestedDelayMs(response.headers), `HTTP ${status} from ${from}${detail}`);
  }
  if (!fromHub) return downloadServerError(status, context, url, detail);
  if (status === 404 && !errorCode && !json) {
    return new DownloadError(
      `HF_ENDPOINT=${context.endpoint} does not look like a Hugging Face Hub (404 without Hub error headers for ${describeFile(context)}): check HF_ENDPOINT`,
    );
  }
  if (errorCode === "GatedRepo") {
    const page = repoPageUrl(context.endpoint, context.repoType, context.repoId);
    const tokenState = context.tokenSent
      ? `A token (from ${context.tokenSource}) was sent, but its account is not approved for this repository (or a fine-grained token lacks access to gated repos).`
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
    return new AccessDeniedError(`The Hub rejected the token from ${context.tokenSource ?? "HF_TOKEN"} as invalid or expired while fetching ${repo}. ${renewTokenHint(context)}`);
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

function renewTokenHint(context: HubRequestContext): string {
  if (context.tokenSource?.startsWith("the token file")) {
    return "A file left by an earlier `hf auth login` is the usual cause: log in again with `hf auth login`, or set HF_TOKEN to a valid token.";
  }
  return `Replace ${context.tokenSource ?? "it"} with a valid token (create one at https://huggingface.co/settings/tokens).`;
}

function describeRepo(context: Pick<HubRequestContext, "repoId" | "repoType">): string {
  return context.repoType === "model" ? `repository ${context.repoId}` : `${context.repoType} repository ${context.repoId}`;
}

function describeFile(context: HubRequestContext): string {
  return context.path ? `"${context.path}" in ${describeRepo(context)}` : describeRepo(context);
}

/** The server's explanation, cleaned for printing; `json` says whether the body was a JSON object, as the Hub's are. */
async function readServerMessage(response: Response): Promise<{ message: string; json: boolean }> {
  const header = cleanServerText(response.headers.get("x-error-message") ?? "");
  // Read only the start of the body: a hostile or broken server can send an endless one.
  const text = await readTextPrefix(response, ERROR_BODY_LIMIT_BYTES);
  let body = "";
  let json = false;
  try {
    const parsed = JSON.parse(text) as unknown;
    json = typeof parsed === "object" && parsed !== null;
    const error = json ? (parsed as { error?: unknown }).error : undefined;
    if (typeof error === "string") body = error;
    else if (Array.isArray(error)) body = error.join("; ");
  } catch {
    // S3-style CDNs answer in XML: <Error><Code>…</Code><Message>…</Message></Error>.
    body = /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1] ?? (/^[\x20-\x7e]{1,300}$/.test(text.trim()) ? text.trim() : "");
  }
  return { message: header || cleanServerText(body), json };
}

/** A refusal from the CDN the Hub redirected to: not a question of repository access or the token. */
function downloadServerError(status: number, context: HubRequestContext, url: string, detail: string): Error {
  const host = new URL(url).host;
  if (status === 401 || status === 403) {
    return new DownloadError(
      `The download server ${host} refused the signed URL the Hub gave for ${describeFile(context)} (HTTP ${status})${detail}. This is not about access to the repository: the Hub granted it, its CDN did not accept the link`,
    );
  }
  if (status === 416) return new DownloadError(`The download server ${host} refused the byte range for ${describeFile(context)} (HTTP 416)${detail}`);
  return new DownloadError(`HTTP ${status} from the download server ${host} for ${describeFile(context)}${detail}`);
}
