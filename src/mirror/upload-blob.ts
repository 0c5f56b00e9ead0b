import type { FileProgress } from "../transfer/observer.ts";

/** Multipart part size, and parts buffered or in flight per file: PART_SIZE × PARTS_IN_FLIGHT per file in memory. */
export const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/**
 * Uploads a local file to `key` (multipart above PART_SIZE, parts retried by Bun's client).
 * Bun's upload reports no progress, so the file goes in as a stream read one chunk at a time,
 * only when the uploader asks for more: the bytes counted are those handed to the uploader,
 * at most its queue of parts ahead of the bytes the store has acknowledged. The last piece is
 * counted only once the store has confirmed the object, so the file never shows done before it is.
 *
 * Bun's write takes no signal and waits for the parts in flight: an abort fails the stream (the
 * uploader stops reading) and rejects at once, without waiting for them. The object is not
 * visible until the store completes it, so a process that exits then leaves nothing half-written
 * for readers (at most an incomplete multipart upload, which only the bucket's owner sees).
 */
export async function uploadBlob(client: Bun.S3Client, key: string, path: string, progress: FileProgress, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  const reader = Bun.file(path).stream().getReader();
  let source: ReadableStreamDefaultController<Uint8Array> | undefined;
  let held = 0;
  const counted = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source = controller;
      },
      async pull(controller) {
        const { done, value } = await reader.read();
        // The last piece stays held until the store confirms the object.
        if (done) {
          controller.close();
          return;
        }
        progress.advance(held);
        held = value.byteLength;
        controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    // Nothing read ahead of the uploader's demand: its queue is the only buffer.
    { highWaterMark: 0 },
  );
  const aborted = Promise.withResolvers<never>();
  const onAbort = () => {
    const reason: unknown = signal?.reason;
    try {
      source?.error(reason);
    } catch {
      // The stream has already ended.
    }
    reader.cancel(reason).catch(() => {});
    aborted.reject(reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const write = client.write(key, new Response(counted), { partSize: PART_SIZE, queueSize: PARTS_IN_FLIGHT, retry: 3 });
  // Whichever loses the race is settled later, unobserved.
  write.catch(() => {});
  aborted.promise.catch(() => {});
  try {
    await Promise.race([write, aborted.promise]);
    progress.advance(held);
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
