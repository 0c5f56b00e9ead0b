import * as v from "valibot";
import type { RepoType } from "../config/types.ts";
import { DownloadError, ModelManagerError } from "../errors.ts";
import { plural } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import { API_BODY_LIMIT_BYTES, readLimitedText } from "./bounded-body.ts";
import { CallBudget, ServerTooSlowError } from "./call-budget.ts";
import { errorFromResponse, type HubRequestContext } from "./errors.ts";
import type { HubHttp } from "./http.ts";
import { GIT_OBJECT_ID } from "./object-id.ts";
import type { RetryPolicy } from "./retry.ts";
import { describeError, withRetries } from "./retrying.ts";
import { fetchableUrl } from "./url-guard.ts";
import { DeadlineError } from "./watchdog.ts";
import { TreeListing } from "./tree-listing.ts";
import { describeUrl, revisionUrl, treeUrl } from "./urls.ts";

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

/** 10 million entries at the Hub's 1000 per page: past this, the cursor is not going to end. */
const MAX_TREE_PAGES = 10_000;

const RevisionInfoSchema = v.object({ sha: v.pipe(v.string(), v.regex(GIT_OBJECT_ID)) });

/** The Hub's JSON API: resolve a revision to a commit, list the files at a commit. */
export class HubApi {
  constructor(
    private readonly http: HubHttp,
    readonly logger: Logger,
    private readonly retryPolicy: RetryPolicy,
  ) {}

  /** The 40-hex commit a branch, tag, `refs/pr/N` or commit resolves to. */
  async resolveCommit(repo: RepoRef, revision: string, signal?: AbortSignal): Promise<string> {
    const url = revisionUrl(this.http.settings.endpoint, repo.repoType, repo.repoId, revision);
    const context = this.http.requestContext(repo, revision);
    const body = await this.getJson(url, context, `revision ${revision} of ${repo.repoId}`, signal);
    const parsed = v.safeParse(RevisionInfoSchema, body);
    if (!parsed.success) {
      throw new DownloadError(`The Hub's answer for revision "${revision}" of ${repo.repoId} has no valid commit sha`);
    }
    return parsed.output.sha;
  }

  /**
   * Every file at `commit`, following `Link: rel="next"` pagination. A
   * cursor that loops (the same page again, or pages that bring nothing new)
   * or never ends stops with an error.
   */
  async listFiles(repo: RepoRef, commit: string, signal?: AbortSignal): Promise<RemoteFile[]> {
    const listing = new TreeListing(repo.repoId);
    const context = this.http.requestContext(repo, commit);
    let url: string | undefined = treeUrl(this.http.settings.endpoint, repo.repoType, repo.repoId, commit);
    const seen = new Set<string>();
    for (let page = 1; url; page++) {
      if (seen.has(url)) throw new DownloadError(`The Hub's file listing of ${repo.repoId} loops back to a page already read (page ${page})`);
      if (page > MAX_TREE_PAGES) throw new DownloadError(`The Hub's file listing of ${repo.repoId} goes on past ${MAX_TREE_PAGES} pages; stopping`);
      seen.add(url);
      const { body, next } = await this.getJsonPage(url, context, `file list page ${page} of ${repo.repoId}`, signal);
      const fresh = listing.addPage(body, page);
      if (next && fresh === 0) {
        throw new DownloadError(`The Hub's file listing of ${repo.repoId} announces a page after page ${page}, which listed nothing new; stopping`);
      }
      url = next;
    }
    return listing.finish(this.logger);
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
    const budget = new CallBudget(this.http.settings.apiDeadlineMs);
    const { giveUp, stopWaiting } = this.http.retryHooks();
    try {
      return await withRetries(
        async () => {
          const { response, watch, url: answeredBy } = await this.http.send(url, {
            headers: { accept: "application/json" },
            signal,
            what,
            budget,
          });
          try {
            if (!response.ok) throw await errorFromResponse(response, context, answeredBy);
            const text = await readLimitedText(response, API_BODY_LIMIT_BYTES, what, watch.touch);
            return { body: JSON.parse(text) as unknown, next: nextPageUrl(response.headers.get("link"), url, what) };
          } catch (error) {
            throw watch.signal.aborted && !signal?.aborted ? watch.signal.reason : error;
          } finally {
            watch.release();
          }
        },
        { policy: this.retryPolicy, logger: this.logger, what, signal, stopWaiting, giveUp: (error) => budget.spent || giveUp?.(error) === true },
      );
    } catch (error) {
      if (error instanceof ModelManagerError || signal?.aborted) throw error;
      const unreachable = this.http.reachability.explain(error);
      if (unreachable) throw unreachable;
      if (budget.spent) {
        const attempts = `${plural(budget.attempts, "attempt")}${error instanceof DeadlineError ? "" : `, the last ended by: ${describeError(error)}`}`;
        throw new ServerTooSlowError(
          `The server is too slow: the ${what} from ${describeUrl(url)} was not complete after ${Math.round(budget.totalMs / 1000)} s (${attempts}). An API answer is small; a call may take four stall timeouts (HF_HUB_DOWNLOAD_TIMEOUT), retries included`,
          { cause: error },
        );
      }
      throw new DownloadError(`Could not fetch the ${what} from ${this.http.settings.endpoint}: ${describeError(error)}`, { cause: error });
    }
  }
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
