import type { RepoType } from "../config/types.ts";

/** URL shapes of the Hub API and file routes (hf-protocol.md §1–3). */

export function repoApiBase(endpoint: string, repoType: RepoType, repoId: string): string {
  return `${endpoint}/api/${repoType}s/${encodeRepoId(repoId)}`;
}

export function revisionUrl(endpoint: string, repoType: RepoType, repoId: string, revision: string): string {
  return `${repoApiBase(endpoint, repoType, repoId)}/revision/${encodeURIComponent(revision)}`;
}

export function treeUrl(endpoint: string, repoType: RepoType, repoId: string, commit: string): string {
  return `${repoApiBase(endpoint, repoType, repoId)}/tree/${encodeURIComponent(commit)}?recursive=true&expand=false`;
}

export function resolveUrl(endpoint: string, repoType: RepoType, repoId: string, commit: string, path: string): string {
  const prefix = repoType === "model" ? "" : `${repoType}s/`;
  return `${endpoint}/${prefix}${encodeRepoId(repoId)}/resolve/${encodeURIComponent(commit)}/${encodePath(path)}`;
}

/** The page where a user requests access to a gated repository. */
export function repoPageUrl(endpoint: string, repoType: RepoType, repoId: string): string {
  const prefix = repoType === "model" ? "" : `${repoType}s/`;
  return `${endpoint}/${prefix}${repoId}`;
}

function encodeRepoId(repoId: string): string {
  return repoId.split("/").map(encodeSegment).join("/");
}

/** Python's quote(path): "/" stays literal, everything outside [A-Za-z0-9_.~-] is percent-encoded. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeSegment).join("/");
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Signed CDN URLs carry credentials in their query: never log it. Scheme, host and path only. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const base = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
    return parsed.search ? `${base}?…` : base;
  } catch {
    return "<invalid url>";
  }
}

/** Every URL inside `text` (an error message that quotes one) without its query, fragment or user info. */
export function withoutUrlQueries(text: string): string {
  const urls = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi, (url) => {
    const trailing = /[).,;:]+$/.exec(url)?.[0] ?? "";
    const bare = url.slice(0, url.length - trailing.length);
    return (/[?#@]/.test(bare) ? describeUrl(bare) : bare) + trailing;
  });
  // A request target quoted without its origin (an S3 error echoing "/bucket/key?X-Amz-Signature=…") loses its query too.
  return urls.replace(/(\/[^\s?"'<>`]*)\?[^\s"'<>`…]+/g, "$1?…");
}
