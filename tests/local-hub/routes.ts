/** Parses request paths into hub routes (fact sheet §12.1). Pure: no repository lookups. */
import type { RepoType } from "./fixtures.ts";

export type RouteKind =
  | "api-revision"
  | "api-tree"
  | "paths-info"
  | "api-refs"
  | "resolve"
  | "raw"
  | "resolve-cache"
  | "cdn"
  | "xet-token"
  | "xet-reconstruction"
  | "xorb"
  | "admin"
  | "unknown";

interface RepoRoute {
  readonly type: RepoType;
  readonly repoId: string;
  /** The raw path around the repo id, to build the 307 for a renamed repo. */
  readonly beforeId: string;
  readonly afterId: string;
}

export type Route =
  | (RepoRoute & { readonly kind: "api-revision"; readonly revision: string })
  | (RepoRoute & { readonly kind: "paths-info"; readonly revision: string })
  | (RepoRoute & { readonly kind: "api-refs" })
  | (RepoRoute & { readonly kind: "xet-token"; readonly revision: string })
  /** `rest` = raw segments holding the revision, then the path; only the repo's refs can split them. */
  | (RepoRoute & { readonly kind: "api-tree" | "resolve" | "raw" | "resolve-cache"; readonly rest: readonly string[] })
  | { readonly kind: "cdn"; readonly storageId: string; readonly sha256: string }
  /** The Xet CAS, served by the CDN listener. */
  | { readonly kind: "xet-reconstruction"; readonly version: "v1" | "v2"; readonly hash: string }
  | { readonly kind: "xorb"; readonly hash: string }
  | { readonly kind: "admin"; readonly action: string }
  | { readonly kind: "unknown" };

export class BadPathError extends Error {}

const TYPE_BY_PLURAL: Readonly<Record<string, RepoType>> = { models: "model", datasets: "dataset", spaces: "space" };
const TYPE_BY_PREFIX: Readonly<Record<string, RepoType>> = { datasets: "dataset", spaces: "space" };
const API_ACTIONS = new Set(["revision", "tree", "paths-info", "refs", "xet-read-token"]);
const COMMIT = /^[0-9a-f]{40}$/;
export const ADMIN_PREFIX = "/__admin/";

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadPathError(`malformed percent-encoding in ${JSON.stringify(segment)}`);
  }
}

export function parseHubPath(pathname: string): Route {
  if (pathname.startsWith(ADMIN_PREFIX)) return { kind: "admin", action: pathname.slice(ADMIN_PREFIX.length) };
  const segments = pathname.split("/").slice(1);
  if (segments[0] === "api") {
    if (segments[1] === "resolve-cache") return parseResolveCache(segments);
    return parseApi(segments);
  }
  return parseFileRoute(segments);
}

export function parseCdnPath(pathname: string): Route {
  const reconstruction = /^\/(v1|v2)\/reconstructions\/([0-9a-f]{64})$/.exec(pathname);
  if (reconstruction) return { kind: "xet-reconstruction", version: reconstruction[1] as "v1" | "v2", hash: reconstruction[2]! };
  const xorb = /^\/xorbs\/default\/([0-9a-f]{64})$/.exec(pathname);
  if (xorb) return { kind: "xorb", hash: xorb[1]! };
  const match = /^\/repos\/[0-9a-f]{2}\/[0-9a-f]{2}\/([0-9a-f]{64})\/([0-9a-f]{64})$/.exec(pathname);
  return match ? { kind: "cdn", storageId: match[1]!, sha256: match[2]! } : { kind: "unknown" };
}

/** `/api/{type}s/{id}[/{action}/…]`, where id has one or two segments. */
function parseApi(segments: string[]): Route {
  const type = TYPE_BY_PLURAL[segments[1] ?? ""];
  const afterType = segments.slice(2);
  if (!type || afterType.length === 0 || afterType[0] === "") return { kind: "unknown" };
  const idLength = afterType.length === 1 || API_ACTIONS.has(afterType[1]!) ? 1 : 2;
  const repo = repoRoute(type, segments, 2, idLength);
  const [action, ...rest] = afterType.slice(idLength);
  if (action === undefined) return { ...repo, kind: "api-revision", revision: "HEAD" };
  if (action === "revision" && rest.length > 0) return { ...repo, kind: "api-revision", revision: joinDecoded(rest) };
  if (action === "tree" && rest.length > 0) return { ...repo, kind: "api-tree", rest };
  if (action === "paths-info" && rest.length > 0) return { ...repo, kind: "paths-info", revision: joinDecoded(rest) };
  if (action === "refs" && rest.length === 0) return { ...repo, kind: "api-refs" };
  if (action === "xet-read-token" && rest.length > 0) return { ...repo, kind: "xet-token", revision: joinDecoded(rest) };
  return { kind: "unknown" };
}

/** `/api/resolve-cache/{type}s/{id}/{commit}/{path}` (fact sheet §3.2a). */
function parseResolveCache(segments: string[]): Route {
  const type = TYPE_BY_PLURAL[segments[2] ?? ""];
  if (!type) return { kind: "unknown" };
  const commitIndex = segments.findIndex((segment, index) => index > 3 && COMMIT.test(segment));
  const idLength = commitIndex - 3;
  if (idLength !== 1 && idLength !== 2) return { kind: "unknown" };
  return { ...repoRoute(type, segments, 3, idLength), kind: "resolve-cache", rest: segments.slice(commitIndex) };
}

/** `/[datasets/|spaces/]{id}/{resolve|raw}/{rev}/{path}`. */
function parseFileRoute(segments: string[]): Route {
  const prefixType = TYPE_BY_PREFIX[segments[0] ?? ""];
  const start = prefixType ? 1 : 0;
  const type = prefixType ?? "model";
  for (const idLength of [1, 2]) {
    const action = segments[start + idLength];
    if (action !== "resolve" && action !== "raw") continue;
    const rest = segments.slice(start + idLength + 1);
    if (rest.length < 2) return { kind: "unknown" };
    return { ...repoRoute(type, segments, start, idLength), kind: action, rest };
  }
  return { kind: "unknown" };
}

function repoRoute(type: RepoType, segments: string[], idStart: number, idLength: number): RepoRoute {
  const idSegments = segments.slice(idStart, idStart + idLength);
  return {
    type,
    repoId: idSegments.map(decodeSegment).join("/"),
    beforeId: `/${segments.slice(0, idStart).join("/")}${idStart > 0 ? "/" : ""}`,
    afterId: segments.length > idStart + idLength ? `/${segments.slice(idStart + idLength).join("/")}` : "",
  };
}

/** Joins raw segments, then decodes: both `refs%2Fpr%2F1` and `refs/pr/1` give `refs/pr/1` (fact sheet §1). */
function joinDecoded(segments: readonly string[]): string {
  return decodeSegment(segments.join("/"));
}

/**
 * Splits raw `{revision}/{path…}` segments. An encoded revision is one segment; an unencoded one
 * with slashes (`refs/pr/1`, as JS sends for /tree) is the shortest prefix that `isRevision` accepts.
 */
export function splitRevisionAndPath(
  rest: readonly string[],
  isRevision: (revision: string) => boolean,
): { revision: string; path: string } {
  const first = decodeSegment(rest[0] ?? "");
  if (!first.includes("/")) {
    for (let length = 1; length <= rest.length; length++) {
      const candidate = rest.slice(0, length).map(decodeSegment).join("/");
      if (isRevision(candidate)) return { revision: candidate, path: rest.slice(length).map(decodeSegment).join("/") };
    }
  }
  return { revision: first, path: rest.slice(1).map(decodeSegment).join("/") };
}
