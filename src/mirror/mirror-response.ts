import { isRetryableStatus, RetryableResponseError, serverRequestedDelayMs } from "../hub/retry.ts";
import { cleanServerText } from "../hub/server-text.ts";
import { MirrorAccessError, MirrorError } from "./errors.ts";

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
  const said = code ? `${code}${message ? `: ${cleanServerText(message, 200)}` : ""}` : `HTTP ${status ?? "error"}${message ? ` ${cleanServerText(message, 200)}` : ""}`;
  const where = `mirror ${mirror} (${object})`;
  if (code === "NoSuchBucket") return new MirrorError(`The bucket of mirror ${mirror} does not exist (${said}); check the mirror URL and S3_ENDPOINT`);
  if (code === "RequestTimeTooSkewed" || code === "RequestExpired") {
    return new MirrorAccessError(`${where} refused the request because this machine's clock differs too much from the server's (${said}); fix the clock (NTP)`);
  }
  if ((code !== undefined && REGION_CODES.has(code)) || status === 301) {
    return new MirrorError(`${where}: wrong region or endpoint (${said}); set S3_REGION (or mirror.region in the configuration) to the bucket's region`);
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

/** A non-success HTTP answer from a mirror (see mirrorRefusalError); 408/429/5xx are retryable. */
export async function mirrorFailure(response: Response, mirror: string, object: string): Promise<Error | undefined> {
  const body = await readBounded(response, ERROR_BODY_LIMIT).catch(() => "");
  const parsed = s3ErrorOf(body);
  if (isRetryableStatus(response.status)) {
    return new RetryableResponseError(response.status, serverRequestedDelayMs(response.headers), `HTTP ${response.status} from mirror ${mirror}${parsed.code ? ` (${parsed.code})` : ""}`);
  }
  return mirrorRefusalError({ status: response.status, ...parsed }, mirror, object);
}

/** An error thrown by Bun's S3 client (S3Error with an S3 `code`), in the same terms. */
export function s3ClientError(error: unknown, mirror: string, object: string): Error | undefined {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && /^[A-Z][A-Za-z]+$/.test(code)) return mirrorRefusalError({ code, message }, mirror, object);
  return new MirrorError(`mirror ${mirror} (${object}): ${cleanServerText(message, 300)}`, { cause: error });
}

/** The body as text, failing beyond `limit` bytes (a mirror is not trusted to send a sane amount). */
export async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > limit) throw new MirrorError(`a response from the mirror exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
