import { DownloadError } from "../errors.ts";
import { describeUrl } from "./urls.ts";

/**
 * Bun's fetch reads `file:` URLs from disk and signs `s3:` URLs with the AWS
 * keys in the environment, so a URL handed to us by a server (a redirect, a
 * next-page link) is followed only when it is plain http(s).
 */
const FETCHABLE_SCHEMES = new Set(["http:", "https:"]);

export class UnsupportedSchemeError extends DownloadError {
  override readonly code = "UNSUPPORTED_URL_SCHEME";
}

/**
 * `target` resolved against `base` (a relative Location or Link), or an error
 * naming the scheme, the URL without its query, and what was being fetched.
 * A URL given by a server (`base` set) may not carry user info either: fetch
 * would send it as Basic credentials to whichever host it names.
 */
export function fetchableUrl(target: string, base: string | undefined, what: string): string {
  let url: URL;
  try {
    url = base === undefined ? new URL(target) : new URL(target, base);
  } catch {
    throw new DownloadError(`Refusing to follow an invalid URL for ${what}${base ? ` (given by ${describeUrl(base)})` : ""}`);
  }
  if (!FETCHABLE_SCHEMES.has(url.protocol)) {
    throw new UnsupportedSchemeError(
      `Refusing to fetch ${describeUrl(url.href)} for ${what}${base ? ` (given by ${describeUrl(base)})` : ""}: the scheme "${url.protocol.replace(/:$/, "")}" is not http or https`,
    );
  }
  if (base !== undefined && (url.username || url.password)) {
    throw new DownloadError(
      `Refusing to fetch ${describeUrl(url.href)} for ${what} (given by ${describeUrl(base)}): the URL carries user info (credentials fetch would send)`,
    );
  }
  return url.href;
}

/**
 * Why a URL a server names for us to fetch later (a Xet CAS, a xorb) is refused, or undefined: it must
 * be absolute http(s), and carry no user info (fetch would send it as credentials).
 */
export function servedUrlProblem(target: string): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return "is not an absolute URL";
  }
  if (!FETCHABLE_SCHEMES.has(url.protocol)) return `has the scheme "${url.protocol.replace(/:$/, "")}", not http or https`;
  if (url.username || url.password) return "carries credentials";
  return undefined;
}
