import { UsageError } from "../errors.ts";

/**
 * Where a mirror lives: an S3 bucket and key prefix (read and written with the
 * S3 credentials of the environment), or an http(s) base URL (read-only, no credentials).
 */
export type MirrorLocation =
  | { readonly kind: "s3"; readonly bucket: string; readonly prefix: string; readonly display: string }
  | { readonly kind: "https"; readonly base: string; readonly display: string };

/** Parses `s3://bucket/prefix` or `https://host/path`; anything else is a usage error naming `where` it came from. */
export function parseMirrorLocation(text: string, where: string): MirrorLocation {
  const trimmed = text.trim();
  const s3 = /^s3:\/\/([^/?#]*)([^?#]*)([?#].*)?$/i.exec(trimmed);
  if (s3) {
    const [, authority = "", path = "", query] = s3;
    // Whatever precedes "@" may be an access key and secret: never repeated, and never used.
    const at = authority.lastIndexOf("@");
    const bucket = authority.slice(at + 1);
    const shown = `s3://${bucket}${path}`;
    if (at >= 0) throw new UsageError(`${where}: a mirror URL must not carry credentials (${shown}); S3 credentials come from the environment (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)`);
    if (query !== undefined) throw new UsageError(`${where}: a mirror URL must not carry a query or fragment (${shown})`);
    if (bucket === "") throw new UsageError(`${where}: "${trimmed}" names no bucket; expected s3://bucket/prefix`);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`${where}: "${bucket}" is not a valid S3 bucket name`);
    const prefix = trimPrefix(path);
    return { kind: "s3", bucket, prefix, display: `s3://${bucket}${prefix ? `/${prefix}` : ""}` };
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new UsageError(`${where}: "${trimmed}" is not a mirror location; expected s3://bucket/prefix or an https:// URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`${where}: the scheme "${url.protocol.replace(/:$/, "")}" is not supported for a mirror; expected s3://bucket/prefix or an https:// URL`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(`${where}: a mirror URL must not carry a query, fragment or credentials (${url.protocol}//${url.host}${url.pathname})`);
  }
  const base = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  return { kind: "https", base, display: base };
}

/** For configuration validation: what is wrong with a mirror URL, if anything. */
export function mirrorLocationProblem(text: string): string | undefined {
  try {
    parseMirrorLocation(text, "mirror");
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^mirror: /, "");
  }
}

function trimPrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, "");
}

/** MODEL_MANAGER_MIRROR (comma-separated) replaces the configuration's `mirrors` list. */
export function mirrorsFrom(configured: readonly string[], env: Readonly<Record<string, string | undefined>>): MirrorLocation[] {
  const fromEnv = env.MODEL_MANAGER_MIRROR;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return fromEnv
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => parseMirrorLocation(part, "MODEL_MANAGER_MIRROR"));
  }
  return configured.map((text, index) => parseMirrorLocation(text, `mirrors[${index}]`));
}
