import { DownloadError } from "../errors.ts";
import { errorFromResponse, type HubRequestContext } from "./errors.ts";
import type { HubHttp, HubResponse } from "./http.ts";
import { isCommitSha } from "./object-id.ts";
import { cleanServerText } from "./server-text.ts";
import { resolveUrl } from "./urls.ts";

/** Half-open byte range [start, end). */
export type ByteRange = { readonly start: number; readonly end: number };

export type ExpectedFile = {
  readonly path: string;
  readonly size: number;
  /** What X-Linked-Etag must say: the LFS sha256, or the git blob sha1 of a regular file. */
  readonly identity: string;
};

/** Signed CDN URLs last about an hour (hf-protocol.md §8); re-resolve well before. */
const LOCATION_MAX_AGE_MS = 45 * 60_000;
const EXPIRED_URL_STATUSES = new Set([401, 403, 410]);

/**
 * The bytes of one file at one commit. Resolves `/resolve/` once, remembers
 * the CDN location for the other ranges, and resolves again when the signed
 * URL has expired or the CDN refuses it.
 */
export class RemoteFileSource {
  private location: { url: string; learnedAt: number } | undefined;
  private pendingLocate: Promise<void> | undefined;
  private readonly resolveUrl: string;
  private readonly what: string;

  constructor(
    private readonly http: HubHttp,
    private readonly context: HubRequestContext & { readonly revision: string },
    private readonly expected: ExpectedFile,
  ) {
    this.resolveUrl = resolveUrl(http.settings.endpoint, context.repoType, context.repoId, context.revision, expected.path);
    this.what = `"${expected.path}" in ${context.repoId}`;
  }

  /** Learns the download location without fetching content, so parallel ranges can go straight to it. */
  locate(signal?: AbortSignal): Promise<void> {
    if (this.freshLocation()) return Promise.resolve();
    this.pendingLocate ??= this.locateOnce(signal).finally(() => {
      this.pendingLocate = undefined;
    });
    return this.pendingLocate;
  }

  /** A response carrying the bytes of `range` (206), or of the whole file (200) when no range is given. */
  async open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end - 1}` } : {};
    for (let attempt = 0; ; attempt++) {
      const cached = this.freshLocation();
      const result = await this.http.send(cached ?? this.resolveUrl, {
        headers,
        signal,
        what: this.what,
        onCrossOriginRedirect: (location, response) => this.learn(location, response),
      });
      const { response } = result;
      if (response.status === 200 || response.status === 206) return result;
      if (cached && attempt === 0 && EXPIRED_URL_STATUSES.has(response.status)) {
        // The signed URL expired (or was revoked): drop it and go through /resolve/ again.
        this.location = undefined;
        await response.body?.cancel().catch(() => {});
        result.watch.release();
        continue;
      }
      try {
        throw await errorFromResponse(response, { ...this.context, path: this.expected.path }, result.url);
      } finally {
        result.watch.release();
      }
    }
  }

  private async locateOnce(signal?: AbortSignal): Promise<void> {
    const result = await this.http.send(this.resolveUrl, {
      method: "GET",
      signal,
      what: this.what,
      stopAtCrossOrigin: true,
      onCrossOriginRedirect: (location, response) => this.learn(location, response),
    });
    try {
      const { response } = result;
      if (this.location) return;
      if (response.ok) {
        // Served directly by the Hub (or a mirror without a CDN): the resolve URL itself is the location.
        this.location = { url: result.url, learnedAt: Date.now() };
        return;
      }
      throw await errorFromResponse(response, { ...this.context, path: this.expected.path }, result.url);
    } finally {
      await result.response.body?.cancel().catch(() => {});
      result.watch.release();
    }
  }

  private freshLocation(): string | undefined {
    if (this.location && Date.now() - this.location.learnedAt < LOCATION_MAX_AGE_MS) return this.location.url;
    return undefined;
  }

  /** The redirect to the CDN carries the Hub's view of the file: it must agree with the tree listing. */
  private learn(location: string, response: Response): void {
    const linkedSize = response.headers.get("x-linked-size");
    const linkedEtag = normalizeEtag(response.headers.get("x-linked-etag") ?? response.headers.get("etag"));
    const commit = response.headers.get("x-repo-commit");
    const what = this.what;
    if (linkedSize !== null && Number(linkedSize) !== this.expected.size) {
      throw new HubContentMismatchError(this.expected, { size: Number(linkedSize) }, `The Hub reports ${cleanServerText(linkedSize, 40)} bytes for ${what}, but its file listing said ${this.expected.size}`);
    }
    if (linkedEtag && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(linkedEtag) && linkedEtag !== this.expected.identity) {
      throw new HubContentMismatchError(this.expected, { identity: linkedEtag }, `The Hub reports hash ${linkedEtag} for ${what}, but its file listing said ${this.expected.identity}`);
    }
    if (commit && isCommitSha(this.context.revision) && commit !== this.context.revision) {
      throw new DownloadError(`The Hub served ${what} from commit ${cleanServerText(commit, 80)} instead of ${this.context.revision}`);
    }
    this.location = { url: location, learnedAt: Date.now() };
  }
}

/** The Hub's headers describe other content than the caller expected (size or hash). */
export class HubContentMismatchError extends DownloadError {
  override readonly code = "HUB_CONTENT_MISMATCH";

  constructor(
    readonly expected: ExpectedFile,
    readonly reported: { readonly size?: number; readonly identity?: string },
    message: string,
  ) {
    super(message);
  }
}

/** Strips a weak-validator prefix and quotes: W/"abc" -> abc. */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, "").replace(/^"|"$/g, "").toLowerCase();
}
