/** The JSON API: repo info (§1), tree listing (§2), paths-info (§2), refs. */
import type { Commit, HostedRepo, RepoEntry } from "./repo-store.ts";
import { type HubReply, hubErrors, jsonReply } from "./responses.ts";
import { XetStore } from "./xet-store.ts";

export interface TreePaging {
  readonly treePageSize: number;
  readonly treePageSizeExpand: number;
}

/** Query booleans: `true`, `True`, `1` (§2: httpx sends true, requests sent True). */
function queryFlag(value: string | null): boolean {
  return value !== null && (value.toLowerCase() === "true" || value === "1");
}

export function repoInfoReply(repo: HostedRepo, commit: Commit, query: URLSearchParams): HubReply {
  const blobs = queryFlag(query.get("blobs"));
  const siblings = [...commit.files.values()]
    .sort((a, b) => (a.path < b.path ? -1 : 1))
    .map(({ path, blob }) => {
      if (!blobs) return { rfilename: path };
      const lfs = blob.sha256 ? { lfs: { size: blob.size, sha256: blob.sha256, pointerSize: blob.pointer!.byteLength } } : {};
      return { rfilename: path, size: blob.size, blobId: blob.oid, ...lfs };
    });
  const [author] = repo.id.includes("/") ? repo.id.split("/") : [undefined];
  const info: Record<string, unknown> = {
    _id: repo.objectId,
    id: repo.id,
    private: repo.private,
    tags: [],
    downloads: 0,
    likes: 0,
    ...(repo.type === "model" ? { modelId: repo.id } : {}),
    ...(author ? { author } : {}),
    sha: commit.sha,
    lastModified: commit.date.toISOString(),
    gated: repo.gated,
    disabled: false,
    siblings,
    spaces: [],
    createdAt: repo.createdAt.toISOString(),
    usedStorage: [...commit.files.values()].reduce((sum, file) => sum + file.blob.size, 0),
    ...repo.info,
  };
  const expand = [...query.getAll("expand"), ...query.getAll("expand[]")];
  if (expand.length === 0) return jsonReply(200, info);
  const selected: Record<string, unknown> = { _id: info._id, id: info.id };
  for (const key of expand) if (key in info) selected[key] = info[key];
  return jsonReply(200, selected);
}

function entryJson(repo: HostedRepo, entry: RepoEntry, expand: boolean): Record<string, unknown> {
  const json: Record<string, unknown> =
    entry.type === "directory"
      ? { type: "directory", oid: entry.oid, size: 0, path: entry.path }
      : { type: "file", oid: entry.blob.oid, size: entry.blob.size, path: entry.path };
  if (entry.type === "file" && entry.blob.sha256) {
    json.lfs = { oid: entry.blob.sha256, size: entry.blob.size, pointerSize: entry.blob.pointer!.byteLength };
    if (repo.xet) json.xetHash = XetStore.xetHashOf(entry.blob.sha256);
  }
  if (expand) {
    const last = repo.commits.get(entry.lastCommit)!;
    json.lastCommit = { id: last.sha, title: last.message.split("\n")[0], date: last.date.toISOString() };
    if (entry.type === "file") {
      json.securityFileStatus = {
        status: "safe",
        avScan: { virusFound: false, virusNames: null },
        pickleImportScan: { highestSafetyLevel: "innocuous", imports: [] },
      };
    }
  }
  return json;
}

interface TreeCursor {
  readonly offset: number;
  readonly commit: string;
}

function decodeCursor(cursor: string): TreeCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString()) as Partial<TreeCursor>;
    return Number.isSafeInteger(value.offset) && typeof value.commit === "string" ? (value as TreeCursor) : undefined;
  } catch {
    return undefined;
  }
}

function encodeCursor(cursor: TreeCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

export interface TreeRequest {
  readonly repo: HostedRepo;
  readonly commit: Commit;
  readonly revision: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly paging: TreePaging;
  /** Absolute URL of this repo's `/api/{type}s/{id}` route, for the `Link` header. */
  readonly apiBase: string;
}

/**
 * One page of `/tree`. Later pages are announced by an absolute `Link: <…>; rel="next"` whose opaque
 * cursor pins the commit, so a branch that moves mid-listing does not mix two commits.
 */
export function treeReply({ repo, commit: requestedCommit, revision, path, query, paging, apiBase }: TreeRequest): HubReply {
  const recursive = queryFlag(query.get("recursive"));
  const expand = queryFlag(query.get("expand"));
  const cursorText = query.get("cursor");
  const cursor = cursorText === null ? { offset: 0, commit: requestedCommit.sha } : decodeCursor(cursorText);
  const commit = cursor && repo.commits.get(cursor.commit);
  if (!cursor || !commit) return hubErrors.badRequest("Invalid cursor");
  if (path !== "" && !commit.directories.has(path)) return hubErrors.entryNotFound(commit.sha);
  const prefix = path === "" ? "" : `${path}/`;
  const entries = commit.entries.filter(
    (entry) => entry.path.startsWith(prefix) && (recursive || !entry.path.slice(prefix.length).includes("/")),
  );
  const limitParam = Number(query.get("limit"));
  const limit = Number.isSafeInteger(limitParam) && limitParam > 0 ? limitParam : expand ? paging.treePageSizeExpand : paging.treePageSize;
  const page = entries.slice(cursor.offset, cursor.offset + limit).map((entry) => entryJson(repo, entry, expand));
  const headers: Array<[string, string]> = [];
  if (cursor.offset + limit < entries.length) {
    const next = new URLSearchParams({
      recursive: String(recursive),
      expand: String(expand),
      limit: String(limit),
      cursor: encodeCursor({ offset: cursor.offset + limit, commit: commit.sha }),
    });
    const pathPart = path === "" ? "" : `/${encodeURIComponent(path)}`;
    headers.push(["Link", `<${apiBase}/tree/${encodeURIComponent(revision)}${pathPart}?${next}>; rel="next"`]);
  } else {
    for (const hostile of repo.hostileTreeEntries) page.push({ type: "file", oid: "0".repeat(40), size: 4, path: hostile });
  }
  return jsonReply(200, page, headers);
}

/** `POST paths-info`: form-encoded (Python) or JSON (JS) bodies; unknown paths are left out (§2). */
export function pathsInfoReply(repo: HostedRepo, commit: Commit, body: Uint8Array, contentType: string): HubReply {
  let paths: unknown;
  let expand: boolean;
  const text = Buffer.from(body).toString();
  if (contentType.includes("application/json")) {
    try {
      const parsed = JSON.parse(text) as { paths?: unknown; expand?: unknown };
      paths = parsed.paths;
      expand = parsed.expand === true;
    } catch {
      return hubErrors.badRequest("Invalid JSON body");
    }
  } else {
    const form = new URLSearchParams(text);
    paths = form.getAll("paths");
    expand = queryFlag(form.get("expand"));
  }
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === "string")) {
    return hubErrors.badRequest("paths must be a list of strings");
  }
  const found: Record<string, unknown>[] = [];
  for (const path of new Set(paths as string[])) {
    const entry = commit.files.get(path) ?? commit.directories.get(path);
    if (entry) found.push(entryJson(repo, entry, expand));
  }
  return jsonReply(200, found);
}

export function refsReply(repo: HostedRepo, query: URLSearchParams): HubReply {
  const refs = (kind: string, map: ReadonlyMap<string | number, string>) =>
    [...map].map(([name, targetCommit]) => ({ name: String(name), ref: `refs/${kind}/${name}`, targetCommit }));
  const body: Record<string, unknown> = { branches: refs("heads", repo.branches), tags: refs("tags", repo.tags), converts: [] };
  if (queryFlag(query.get("include_prs"))) body.pullRequests = refs("pr", repo.pullRequests);
  return jsonReply(200, body);
}
