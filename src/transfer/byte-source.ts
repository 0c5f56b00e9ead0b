import type { ByteRange } from "../hub/file-source.ts";
import type { HubHttp, HubResponse } from "../hub/http.ts";
import type { ChunkRun } from "./xet/chunk-map.ts";

/** Where one file's bytes come from: the Hub (RemoteFileSource), or a mirror. */
export interface ByteSource {
  /** Learns where to read without reading content, so parallel ranges can go straight there. */
  locate(signal?: AbortSignal): Promise<void>;
  /**
   * Optional, after `locate`: how to cut the missing ranges of a large file into units of parallel
   * work, each at most `maxUnitBytes` (default: even pieces). Xet cuts along its xorb requests.
   */
  plan?(gaps: ReadonlyArray<readonly [number, number]>, maxUnitBytes: number, signal?: AbortSignal): Promise<Array<[number, number]> | undefined>;
  /**
   * A response carrying the bytes of `range` (206), or of the whole file (200) when no range is given.
   * A body chunk may be reused once the next is read: the engine writes each before reading on.
   */
  open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse>;
  /** Units of a file cost one request each and no setup of their own (Xet): smaller files are worth cutting too. */
  readonly cheapUnits?: boolean;
  /** Xet failed for this file and the rest went through the Hub's bridge (said once). */
  readonly leftXet?: boolean;
  /** After the file is complete: what a chunked source learned (Xet: chunk runs for later reuse, bytes reused and fetched). */
  outcome?(): SourceOutcome | undefined;
}

export type SourceOutcome = { readonly chunkRuns: readonly ChunkRun[]; readonly reusedBytes: number; readonly fetchedBytes: number };

/** Builds a job's source over the run's HTTP client (which only ever fetches http(s) URLs). */
export type ByteSourceFactory = (http: HubHttp) => ByteSource;

/**
 * A byte stream that reads one piece from `next` per pull; what `next` throws errors the stream, as `mapError` turns it.
 * Nothing is read ahead (high-water mark 0): a piece is produced when it is read, after the reader is done with the one before.
 */
export function pulledStream(
  next: () => Promise<IteratorResult<Uint8Array>>,
  cancel: (reason: unknown) => Promise<unknown>,
  mapError: (error: unknown) => unknown = (error) => error,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    pull: async (controller) => {
      try {
        const step = await next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      } catch (error) {
        controller.error(mapError(error));
      }
    },
    cancel: async (reason) => {
      await cancel(reason);
    },
  }, { highWaterMark: 0 });
}
