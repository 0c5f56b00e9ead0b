import { DownloadError } from "../errors.ts";
import { formatBytes } from "../output/format.ts";

/** Far above any real revision or tree page (a 1000-entry page is ~200 KB): a body past this is not an answer. */
export const API_BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/** Enough of an error body for the Hub's `{"error": …}`; the rest is dropped unread. */
export const ERROR_BODY_LIMIT_BYTES = 4096;

/**
 * The whole body as text, refused (with the limit in the message) as soon as
 * it is announced or grows past `limit` bytes.
 */
export async function readLimitedText(response: Response, limit: number, what: string, touch: () => void = () => {}): Promise<string> {
  const tooLarge = () => new DownloadError(`The answer for ${what} is larger than ${formatBytes(limit)}, the limit for a Hub API answer; refusing it`);
  return new TextDecoder().decode(await readLimitedBytes(response, limit, tooLarge, touch));
}

/** The whole body, refused with `tooLarge()` as soon as it is announced or grows past `limit` bytes. */
export async function readLimitedBytes(response: Response, limit: number, tooLarge: () => Error, touch: () => void = () => {}): Promise<Uint8Array> {
  const announced = Number(response.headers.get("content-length") ?? Number.NaN);
  if (announced > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    touch();
    total += chunk.byteLength;
    if (total > limit) {
      await response.body?.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** At most the first `limit` bytes of the body as text; the connection is then let go. Never throws. */
export async function readTextPrefix(response: Response, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = response.body?.getReader();
    while (reader && total < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
    await reader?.cancel().catch(() => {});
  } catch {
    // The body is optional detail; what arrived is still worth showing.
  }
  return new TextDecoder().decode(Buffer.concat(chunks, total).subarray(0, limit));
}

/** `text` parsed as JSON, or undefined when it is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
