import type { FileProgress } from "../transfer/observer.ts";

/** Multipart part size, and parts buffered or in flight per file: PART_SIZE × PARTS_IN_FLIGHT per file in memory. */
export const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/**
 * Uploads a local file to `key` (multipart above PART_SIZE, parts retried by Bun's client).
 * Bun's upload reports no progress, so the file goes in as a stream read one chunk at a time,
 * only when the uploader asks for more: the bytes counted are those handed to the uploader,
 * at most its queue of parts ahead of the bytes the store has acknowledged.
 * An abort fails the stream, which ends the upload.
 */
export async function uploadBlob(client: Bun.S3Client, key: string, path: string, progress: FileProgress, signal?: AbortSignal): Promise<void> {
  const reader = Bun.file(path).stream().getReader();
  const counted = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        signal?.throwIfAborted();
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        progress.advance(value.byteLength);
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Nothing read ahead of the uploader's demand: its queue is the only buffer.
    { highWaterMark: 0 },
  );
  try {
    await client.write(key, new Response(counted), { partSize: PART_SIZE, queueSize: PARTS_IN_FLIGHT, retry: 3 });
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  }
}
