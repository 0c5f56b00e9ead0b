/** File routes (fact sheet §3): resolve, resolve-cache, raw on the hub; signed objects on the CDN. */
import type { CdnSigner } from "./cdn-signing.ts";
import { type ContentReply, contentReply, withoutContent } from "./range.ts";
import type { Commit, HostedRepo, RepoFile, StoredBlob } from "./repo-store.ts";
import { type HeaderList, type HubReply, hubErrors, redirectReply } from "./responses.ts";

export interface FileRequest {
  readonly repo: HostedRepo;
  readonly commit: Commit;
  /** The revision as the client wrote it. */
  readonly revision: string;
  readonly path: string;
  readonly range: string | undefined;
  /** Headers every resolve answer carries (RateLimit, X-HF-Warning). */
  readonly resolveHeaders: HeaderList;
  /** For LFS files of Xet repos: the Xet file id and where to get a token and the reconstruction. */
  readonly xet?: XetLinks;
  /** `application/vnd.xet-fileinfo+json` here asks for the Xet file info instead of the redirect (huggingface.js). */
  readonly accept?: string;
}

export interface XetLinks {
  readonly hash: string;
  readonly tokenUrl: string;
  readonly reconstructionUrl: string;
}

const XET_FILEINFO = "application/vnd.xet-fileinfo+json";

export interface FileServing {
  readonly signer: CdnSigner;
  readonly cdnUrl: string;
  /** false: regular files answer 200 on /resolve/ itself, as before mid-2025 (§3.2a). */
  readonly regularFileRedirect: boolean;
}


export function resolveReply(request: FileRequest, serving: FileServing): ContentReply {
  const file = request.commit.files.get(request.path);
  if (!file) return withoutContent(hubErrors.entryNotFound(request.commit.sha));
  if (file.blob.sha256 && request.xet && request.accept?.includes(XET_FILEINFO)) return withoutContent(xetFileInfo(request, file, request.xet));
  if (file.blob.sha256) return withoutContent(cdnRedirect(request, file, serving));
  if (!serving.regularFileRedirect) return regularFileContent(request, file);
  const { repo, commit, revision, path } = request;
  // The query is decoration: clients that follow relative redirects drop it (§3.3 step 2).
  const query = new URLSearchParams([[`/${repo.id}/resolve/${revision}/${path}`, ""], ["etag", quoted(file.blob.oid)]]);
  const location = `/api/resolve-cache/${repo.type}s/${encodePath(repo.id)}/${commit.sha}/${encodePath(path)}?${query}`;
  return withoutContent(
    redirectReply(307, location, [
      ["X-Repo-Commit", commit.sha],
      ["X-Linked-Etag", quoted(file.blob.oid)],
      ["X-Linked-Size", String(file.blob.size)],
      ["ETag", quoted(file.blob.oid)],
      ["Accept-Ranges", "bytes"],
      ["Content-Disposition", contentDisposition("inline", path)],
      ...request.resolveHeaders,
    ]),
  );
}

/** `/api/resolve-cache/…`: the bytes of a regular file at a commit (LFS paths go to the CDN as on /resolve/). */
export function resolveCacheReply(request: FileRequest, serving: FileServing): ContentReply {
  const file = request.commit.files.get(request.path);
  if (!file) return withoutContent(hubErrors.entryNotFound(request.commit.sha));
  if (file.blob.sha256) return withoutContent(cdnRedirect(request, file, serving));
  return regularFileContent(request, file);
}

/** `/raw/`: what git stores, so the pointer text for LFS files. */
export function rawReply(request: FileRequest): ContentReply {
  const file = request.commit.files.get(request.path);
  if (!file) return withoutContent(hubErrors.entryNotFound(request.commit.sha));
  const stored = file.blob.pointer ?? file.blob.bytes;
  return contentReply(stored, request.range, [
    ["Content-Type", "text/plain; charset=utf-8"],
    ["ETag", quoted(file.blob.oid)],
    ["X-Repo-Commit", request.commit.sha],
    ["Accept-Ranges", "bytes"],
    ["Content-Disposition", contentDisposition("inline", request.path)],
  ]);
}

function regularFileContent(request: FileRequest, file: RepoFile): ContentReply {
  return contentReply(file.blob.bytes, request.range, [
    ["Content-Type", contentTypeOf(request.path)],
    ["ETag", quoted(file.blob.oid)],
    ["X-Repo-Commit", request.commit.sha],
    ["Accept-Ranges", "bytes"],
    ["Content-Disposition", contentDisposition("inline", request.path)],
    ["Cache-Control", "private, max-age=0, must-revalidate"],
  ]);
}

/** LFS: an absolute 302 to the CDN listener's other host name, metadata on the 302 itself (§3.2c); no Xet headers (§8). */
function cdnRedirect(request: FileRequest, file: RepoFile, serving: FileServing): HubReply {
  const blob = file.blob;
  const location = serving.signer.sign(serving.cdnUrl, cdnObjectPath(request.repo.storageId, blob.sha256!), [
    ["response-content-disposition", contentDisposition("inline", request.path)],
    ["response-content-type", "application/octet-stream"],
  ]);
  return redirectReply(302, location, [
    ["X-Repo-Commit", request.commit.sha],
    ["X-Linked-Size", String(blob.size)],
    ["X-Linked-Etag", quoted(blob.sha256!)],
    ["Accept-Ranges", "bytes"],
    ["Content-Disposition", contentDisposition("inline", request.path)],
    ["Cache-Control", "no-cache"],
    ...xetHeaders(request.xet),
    ...request.resolveHeaders,
  ]);
}

/** What the Hub adds for a Xet-backed file (fact sheet §8): the file id and the `Link` rels to the token and the reconstruction. */
function xetHeaders(xet: XetLinks | undefined): HeaderList {
  if (!xet) return [];
  return [
    ["X-Xet-Hash", xet.hash],
    ["Link", `<${xet.tokenUrl}>; rel="xet-auth", <${xet.reconstructionUrl}>; rel="xet-reconstruction-info"`],
  ];
}

function xetFileInfo(request: FileRequest, file: RepoFile, xet: XetLinks): HubReply {
  const body = Buffer.from(JSON.stringify({ hash: xet.hash, refreshUrl: xet.tokenUrl, reconstructionUrl: xet.reconstructionUrl, etag: file.blob.sha256, size: file.blob.size }));
  return {
    status: 200,
    headers: [
      ["Content-Type", XET_FILEINFO],
      ["X-Repo-Commit", request.commit.sha],
      ["X-Linked-Size", String(file.blob.size)],
      ["X-Linked-Etag", quoted(file.blob.sha256!)],
      ...xetHeaders(xet),
      ...request.resolveHeaders,
    ],
    body,
  };
}

function cdnObjectPath(storageId: string, sha256: string): string {
  return `/repos/${storageId.slice(0, 2)}/${storageId.slice(2, 4)}/${storageId}/${sha256}`;
}

/** An LFS object on the CDN, for a request whose signature was already checked. */
export function cdnObjectReply(blob: StoredBlob, query: URLSearchParams, range: string | undefined): ContentReply {
  const headers: HeaderList = [
    ["Content-Type", query.get("response-content-type") ?? "application/octet-stream"],
    ["ETag", quoted(blob.sha256!)],
    ["Last-Modified", "Mon, 06 Jan 2025 10:00:00 GMT"],
    ["Accept-Ranges", "bytes"],
    ["Cache-Control", "public, max-age=604800, immutable, s-maxage=604800"],
  ];
  const disposition = query.get("response-content-disposition");
  if (disposition) headers.push(["Content-Disposition", disposition]);
  return contentReply(blob.bytes, range, headers);
}

function quoted(value: string): string {
  return `"${value}"`;
}

export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function contentDisposition(kind: "inline" | "attachment", path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename*=UTF-8''${encodeURIComponent(name)}; filename="${ascii}";`;
}

function contentTypeOf(path: string): string {
  const extension = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  if (extension === "json") return "application/json; charset=utf-8";
  if (["txt", "md", "py", "model", "gitattributes", "yaml", "yml"].includes(extension)) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}
