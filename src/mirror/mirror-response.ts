import { messageOf } from "../errors.ts";
import { isRetryableStatus, RetryableResponseError, serverRequestedDelayMs } from "../hub/retry.ts";
import { readTextPrefix } from "../hub/bounded-body.ts";
import { cleanServerText } from "../hub/server-text.ts";
import { withoutUrlQueries } from "../hub/urls.ts";
import { MirrorAccessError, MirrorError, MirrorSetupError } from "./errors.ts";

const ERROR_BODY_LIMIT = 64 * 1024;

/** What a mirror said when it refused: the HTTP status and the S3 error code and message, where there are some. */
export type MirrorRefusal = { readonly status?: number; readonly code?: string; readonly message?: string };

/** The S3 error document's code and message (`<Error><Code>…</Code><Message>…</Message>`), if the body is one. */
export function s3ErrorOf(body: string): { code?: string; message?: string } {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]{1,500})<\/Message>/.exec(body)?.[1];
  const region = /<Region>([^<]{1,60})<\/Region>/.exec(body)?.[1];
  return { code, message: message && region ? `${message} (the bucket is in ${region})` : message };
}

const CREDENTIAL_CODES = new Set(["SignatureDoesNotMatch", "InvalidAccessKeyId", "ExpiredToken", "InvalidToken", "TokenRefreshRequired"]);
const REGION_CODES = new Set(["PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"]);

/**
 * A refusal as an error naming the mirror, the object and the cause; undefined for a missing
 * object (404 NoSuchKey, or a plain 404 from an https mirror): the mirror simply lacks it.
 */
export function mirrorRefusalError(refusal: MirrorRefusal, mirror: string, object: string): Error | undefined {
  const { status, code, message } = refusal;
  if ((status === 404 && (code === undefined || code === "NoSuchKey")) || code === "NoSuchKey") return undefined;
  const shown = message ? serverSaid(message, 200) : undefined;
  const said = code ? `${serverSaid(code, 100)}${shown ? `: ${shown}` : ""}` : `HTTP ${status ?? "error"}${shown ? ` ${shown}` : ""}`;
  const where = `mirror ${mirror} (${object})`;
  if (code === "NoSuchBucket") return new MirrorSetupError(`The bucket of mirror ${mirror} does not exist (${said}); check the mirror URL and S3_ENDPOINT`);
  if (code === "RequestTimeTooSkewed" || code === "RequestExpired") {
    return new MirrorAccessError(`${where} refused the request because this machine's clock differs too much from the server's (${said}); fix the clock (NTP)`);
  }
  if ((code !== undefined && REGION_CODES.has(code)) || status === 301) {
    return new MirrorSetupError(`${where}: wrong region or endpoint (${said}); set S3_REGION (or mirror.region in the configuration) to the bucket's region`);
  }
  if (status === 401 || status === 403 || code === "AccessDenied" || (code !== undefined && CREDENTIAL_CODES.has(code))) {
    const hint =
      code !== undefined && CREDENTIAL_CODES.has(code)
        ? "check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)"
        : "the credentials in use may lack permission on this bucket and prefix (pullers need s3:GetObject, pushers also s3:PutObject)";
    return new MirrorAccessError(`${where} refused access (${said}): ${hint}`);
  }
  return new MirrorError(`${where} answered ${said}`);
}

/** Text from the mirror, safe to print: no URL query (it may echo a presigned request), no escapes, cut. */
export function serverSaid(text: string, max: number): string {
  return cleanServerText(withoutUrlQueries(text), max);
}

/** A non-success HTTP answer from a mirror (see mirrorRefusalError); 408/429/5xx are retryable. */
export async function mirrorFailure(response: Response, mirror: string, object: string): Promise<Error | undefined> {
  const body = await readTextPrefix(response, ERROR_BODY_LIMIT);
  const parsed = s3ErrorOf(body);
  if (isRetryableStatus(response.status)) {
    return new RetryableResponseError(response.status, serverRequestedDelayMs(response.headers), `HTTP ${response.status} from mirror ${mirror}${parsed.code ? ` (${serverSaid(parsed.code, 100)})` : ""}`);
  }
  return mirrorRefusalError({ status: response.status, ...parsed }, mirror, object);
}

/** An error thrown by Bun's S3 client (S3Error with an S3 `code`), in the same terms. */
export function s3ClientError(error: unknown, mirror: string, object: string): Error | undefined {
  const code = (error as { code?: unknown }).code;
  const message = messageOf(error);
  if (typeof code === "string" && /^[A-Z][A-Za-z]+$/.test(code)) return mirrorRefusalError({ code, message }, mirror, object);
  return new MirrorError(`mirror ${mirror} (${object}): ${serverSaid(message, 300)}`, { cause: error });
}
