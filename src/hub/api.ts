import * as v from "valibot";
import type { RepoType } from "../config/types.ts";
import { DownloadError, ModelManagerError } from "../errors.ts";
import type { Logger } from "../output/logger.ts";
import { errorFromResponse, type HubRequestContext } from "./errors.ts";
import type { HubHttp } from "./http.ts";
import { assertSafeRepoPath } from "./paths.ts";
import type { RetryPolicy } from "./retry.ts";
import { describeError, withRetries } from "./retrying.ts";
import { cleanServerText } from "./server-text.ts";
import { fetchableUrl } from "./url-guard.ts";
import { revisionUrl, treeUrl } from "./urls.ts";

/** One file of a repository at a commit, as the tree listing describes it. */
export type RemoteFile = {
  readonly path: string;
  /** Real content size (for LFS files, the size of the content, not of the pointer). */
  readonly size: number;
  /** Git blob SHA-1; for LFS files this is the hash of the pointer text. */
  readonly oid: string;
  /** Present for LFS files: the sha256 of the content. */
  readonly lfsSha256?: string;
  /** Present for Xet-backed files: the Xet content hash. */
  readonly xetHash?: string;
};

export type RepoRef = { readonly repoId: string; readonly repoType: RepoType };

const HEX40 = /^[0-9a-f]{40}$/;

const RevisionInfoSchema = v.object({ sha: v.pipe(v.string(), v.regex(HEX40)) });

const TreeEntrySchema = v.variant("type", [
  v.object({
    type: v.literal("file"),
    path: v.string(),
    oid: v.pipe(v.string(), v.regex(HEX40)),
    size: v.pipe(v.number(), v.integer(), v.minValue(0)),
    xetHash: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
    lfs: v.optional(
      v.object({
        oid: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
        size: v.pipe(v.number(), v.integer(), v.minValue(0)),
      }),
    ),
  }),
  v.object({ type: v.literal("directory"), path: v.string() }),
  v.object({ type: v.literal("unknown"), path: v.string() }),
]);

const TreePageSchema = v.array(TreeEntrySchema);

/** The Hub's JSON API: resolve a revision to a commit, list the files at a commit. */
export class HubApi {
  constructor(
    private readonly http: HubHttp,
    private readonly logger: Logger,
    private readonly retryPolicy: RetryPolicy,
  ) {}

  /** The 40-hex commit a branch, tag, `refs/pr/N` or commit resolves to. */
  async resolveCommit(repo: RepoRef, revision: string, signal?: AbortSignal): Promise<string> {
    const url = revisionUrl(this.http.settings.endpoint, repo.repoType, repo.repoId, revision);
    const context = this.context(repo, revision);
    const body = await this.getJson(url, context, `revision ${revision} of ${repo.repoId}`, signal);
    const parsed = v.safeParse(RevisionInfoSchema, body);
    if (!parsed.success) {
      throw new DownloadError(`The Hub's answer for revision "${revision}" of ${repo.repoId} has no valid commit sha`);
    }
    return parsed.output.sha;
  }

  /** Every file at `commit`, following `Link: rel="next"` pagination. */
  async listFiles(repo: RepoRef, commit: string, signal?: AbortSignal): Promise<RemoteFile[]> {
    const files: RemoteFile[] = [];
    const context = this.context(repo, commit);
    let url: string | undefined = treeUrl(this.http.settings.endpoint, repo.repoType, repo.repoId, commit);
    const seen = new Set<string>();
    for (let page = 1; url; page++) {
      if (seen.has(url)) throw new DownloadError(`The Hub's file listing of ${repo.repoId} loops back to a page already read`);
      seen.add(url);
      const { body, next } = await this.getJsonPage(url, context, `file list page ${page} of ${repo.repoId}`, signal);
      const parsed = v.safeParse(TreePageSchema, body);
      if (!parsed.success) {
        throw new DownloadError(`The Hub's file listing of ${repo.repoId} (page ${page}) is malformed: ${cleanServerText(parsed.issues[0]?.message ?? "")}`);
      }
      for (const entry of parsed.output) {
        if (entry.type !== "file") continue;
        assertSafeRepoPath(repo.repoId, entry.path);
        files.push({
          path: entry.path,
          size: entry.lfs?.size ?? entry.size,
          oid: entry.oid,
          lfsSha256: entry.lfs?.oid,
          ...(entry.xetHash ? { xetHash: entry.xetHash } : {}),
        });
      }
      url = next;
    }
    return files;
  }

  private context(repo: RepoRef, revision: string): HubRequestContext {
    return { endpoint: this.http.settings.endpoint, ...repo, revision, tokenSent: this.http.tokenSent };
  }

  private async getJson(url: string, context: HubRequestContext, what: string, signal?: AbortSignal): Promise<unknown> {
    return (await this.getJsonPage(url, context, what, signal)).body;
  }

  private async getJsonPage(
    url: string,
    context: HubRequestContext,
    what: string,
    signal?: AbortSignal,
  ): Promise<{ body: unknown; next?: string }> {
    try {
      return await withRetries(
        async () => {
          const { response, watch } = await this.http.send(url, { headers: { accept: "application/json" }, signal, what });
          try {
            if (!response.ok) throw await errorFromResponse(response, context);
            const text = await readText(response, watch.touch);
            return { body: JSON.parse(text) as unknown, next: nextPageUrl(response.headers.get("link"), url, what) };
          } catch (error) {
            throw watch.signal.aborted && !signal?.aborted ? watch.signal.reason : error;
          } finally {
            watch.release();
          }
        },
        { policy: this.retryPolicy, logger: this.logger, what, signal },
      );
    } catch (error) {
      if (error instanceof ModelManagerError || signal?.aborted) throw error;
      throw new DownloadError(`Could not fetch the ${what} from ${this.http.settings.endpoint}: ${describeError(error)}`, { cause: error });
    }
  }
}

async function readText(response: Response, touch: () => void): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  if (!response.body) return text;
  for await (const chunk of response.body) {
    touch();
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** GitHub-style `Link: <url>; rel="next"`; relative targets are resolved against the page, and only http(s) is followed. */
export function nextPageUrl(link: string | null, base: string, what = "the next page"): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (match?.[1]) return fetchableUrl(match[1], base, `the page after ${what}`);
  }
  return undefined;
}
