import type { ByteRange } from "../hub/file-source.ts";
import type { HubHttp, HubResponse } from "../hub/http.ts";
import type { ByteSource, ByteSourceFactory } from "../transfer/byte-source.ts";
import { MirrorBlobError } from "./errors.ts";
import type { Mirror } from "./mirror.ts";
import { mirrorFailure } from "./mirror-response.ts";

/** The bytes of one blob in a mirror; every request gets a freshly signed URL, so none expires mid-file. */
class MirrorFileSource implements ByteSource {
  constructor(
    private readonly http: HubHttp,
    private readonly mirror: Mirror,
    private readonly key: string,
    private readonly what: string,
  ) {}

  locate(): Promise<void> {
    return Promise.resolve();
  }

  async open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end - 1}` } : {};
    const result = await this.http.send(this.mirror.urlFor(this.key), { headers, signal, what: this.what });
    const { response, watch } = result;
    if (response.status === 200 || response.status === 206) return result;
    try {
      if (response.status === 416) {
        void response.body?.cancel().catch(() => {});
        throw new MirrorBlobError(`mirror ${this.mirror.display} holds a shorter ${this.key} than listed (${this.what}): HTTP 416 for ${range ? `bytes ${range.start}-${range.end - 1}` : "the whole object"}`);
      }
      throw (await mirrorFailure(response, this.mirror.display, this.key)) ?? new MirrorBlobError(`mirror ${this.mirror.display} lacks ${this.key} (${this.what})`);
    } finally {
      watch.release();
    }
  }
}

export function mirrorFileSource(mirror: Mirror, key: string, what: string): ByteSourceFactory {
  return (http) => new MirrorFileSource(http, mirror, key, what);
}
