import type { HubHttp } from "../hub/http.ts";
import { encodePath } from "../hub/urls.ts";
import { ModelManagerError } from "../errors.ts";
import { readLimitedBytes } from "../hub/bounded-body.ts";
import { describeError } from "../hub/retrying.ts";
import { formatBytes } from "../output/format.ts";
import { MirrorAccessError, MirrorError, MirrorUnreachableError } from "./errors.ts";
import type { MirrorLocation } from "./location.ts";
import { mirrorFailure } from "./mirror-response.ts";

/** Endpoint and region for S3 mirrors, from the configuration's `mirror:` section; secrets only ever come from the environment. */
export type MirrorSettings = { readonly endpoint?: string; readonly region?: string };

/** Signed GET URLs live this long; a new one is signed for every request, so it never expires mid-run. */
const PRESIGN_SECONDS = 15 * 60;

/**
 * One mirror, read over plain http(s): an S3 object is read through a URL presigned
 * by Bun's S3 client (credentials from the environment, never in a URL we log), an
 * https mirror by its path. Either way the transfer engine fetches it like any CDN URL.
 */
export class Mirror {
  private s3Client: Bun.S3Client | undefined;

  constructor(
    readonly location: MirrorLocation,
    private readonly settings: MirrorSettings = {},
  ) {}

  get display(): string {
    return this.location.display;
  }

  /** An http(s) URL that reads `key` (relative to the mirror's prefix). */
  urlFor(key: string): string {
    const { location } = this;
    if (location.kind === "https") return `${location.base}/${encodePath(key)}`;
    return this.client().presign(this.objectKey(key), { method: "GET", expiresIn: PRESIGN_SECONDS });
  }

  /** The S3 key of `key` under the prefix. */
  objectKey(key: string): string {
    const prefix = this.location.kind === "s3" ? this.location.prefix : "";
    return prefix ? `${prefix}/${key}` : key;
  }

  /** Bun's S3 client for the bucket (for push): credentials and, unless configured, endpoint and region from the environment. */
  client(): Bun.S3Client {
    const { location } = this;
    if (location.kind !== "s3") throw new MirrorError(`${location.display} is an http(s) mirror: it can be read, not written`);
    this.s3Client ??= new Bun.S3Client({
      bucket: location.bucket,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      ...(this.settings.region ? { region: this.settings.region } : {}),
    });
    return this.s3Client;
  }

  /**
   * The text of a small object (a manifest, a ref); undefined when the mirror does not have it.
   * Like a Hub API answer: refused past `limit` bytes as it streams, and ended at the API deadline
   * (a mirror trickling bytes never stalls). Any failure is a MirrorError naming the mirror and object.
   */
  async readText(http: HubHttp, key: string, limit: number, signal?: AbortSignal): Promise<string | undefined> {
    const what = `${this.display}/${key}`;
    let result: Awaited<ReturnType<HubHttp["send"]>>;
    try {
      result = await http.send(this.urlFor(key), { signal, what, deadlineMs: http.settings.apiDeadlineMs });
    } catch (error) {
      if (signal?.aborted) throw error;
      // Our own refusals (a redirect to file:, too many redirects) are what the mirror answered, not a network failure.
      if (error instanceof ModelManagerError) throw new MirrorError(`mirror ${this.display} did not deliver ${key}: ${error.message}`, { cause: error });
      throw new MirrorUnreachableError(`mirror ${this.display} could not be reached for ${key}: ${describeError(error)}`, { cause: error });
    }
    const { response, watch } = result;
    try {
      if (response.ok) {
        const tooLarge = () => new MirrorError(`${what} is larger than ${formatBytes(limit)}, the limit for this object of a mirror; refusing it`);
        return new TextDecoder().decode(await readLimitedBytes(response, limit, tooLarge, watch.touch));
      }
      const failure = await mirrorFailure(response, this.display, key);
      if (failure) throw failure;
      return undefined;
    } catch (error) {
      if (signal?.aborted || error instanceof MirrorError || error instanceof MirrorAccessError) throw error;
      const cause: unknown = watch.signal.aborted ? watch.signal.reason : error;
      throw new MirrorError(`mirror ${this.display} did not deliver ${key}: ${describeError(cause)}`, { cause });
    } finally {
      watch.release();
    }
  }
}
