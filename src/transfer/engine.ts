import type { HubHttp } from "../hub/http.ts";
import type { Logger } from "../output/logger.ts";
import { ConnectionPool } from "./connection-pool.ts";
import { downloadFile, type FileJob, type PlacedFile, type TransferTuning } from "./download-file.ts";
import { FollowHashPool } from "./follow-pool.ts";
import { GcPacer } from "./gc-pacer.ts";
import type { TransferObserver } from "./observer.ts";

const MiB = 1024 * 1024;
/**
 * See GcPacer. Every 64 MiB: every 32 MiB cost ~5% of wall time on loopback, every 128 MiB kept only
 * half the saving. Sooner above 150 MiB resident, which downloads through the bridge stay under
 * (116–142 MiB peak) and native Xet ones with 1 MiB xorbs passed (178–212 MiB; now 157–174 MiB, for
 * ~0.4 s more CPU per GiB there; 160 MiB and 24 MiB of headroom let 2 GiB reach 177–187 MiB);
 * checking every 2 MiB costs a /proc read each (~20 µs).
 */
const GC_PACING = { everyBytes: 64 * MiB, rssTarget: 150 * MiB, headroom: 16 * MiB, checkBytes: 2 * MiB };

export type EngineOptions = TransferTuning & {
  /** Connections open at once across every file and model of the run. */
  readonly connections: number;
  /** Files in flight at once (each small file holds one connection while it transfers). */
  readonly fileConcurrency: number;
};

/**
 * Runs file downloads against one shared connection budget. Large files
 * start first (they are the long pole); small files fill the free connections.
 */
export class TransferEngine {
  private readonly pool: ConnectionPool;

  constructor(
    private readonly http: HubHttp,
    private readonly options: EngineOptions,
    private readonly logger: Logger,
    private readonly observer: TransferObserver,
  ) {
    this.pool = new ConnectionPool(options.connections);
  }

  /** Downloads every job; the first failure stops the others (their partial files are kept for resume). */
  async downloadAll(
    jobs: readonly FileJob[],
    quarantine: (job: FileJob, badCopyPath: string) => Promise<string>,
    signal?: AbortSignal,
  ): Promise<PlacedFile[]> {
    const abort = new AbortController();
    const onParentAbort = () => abort.abort(signal?.reason);
    if (signal?.aborted) abort.abort(signal.reason);
    else signal?.addEventListener("abort", onParentAbort, { once: true });

    const queue = [...jobs].sort((a, b) => b.file.size - a.file.size);
    const placed: PlacedFile[] = [];
    let firstError: unknown;
    const hashPool = new FollowHashPool();
    const context = {
      http: this.http,
      pool: this.pool,
      tuning: this.options,
      logger: this.logger,
      observer: this.observer,
      signal: abort.signal,
      hashPool,
      gcPacer: new GcPacer(GC_PACING),
      quarantine,
    };
    const lane = async () => {
      for (let job = queue.shift(); job && !abort.signal.aborted; job = queue.shift()) {
        placed.push(await downloadFile(job, context));
      }
    };
    try {
      await Promise.all(
        Array.from({ length: Math.min(this.options.fileConcurrency, queue.length) }, () =>
          lane().catch((error: unknown) => {
            firstError ??= error;
            abort.abort(error);
          }),
        ),
      );
    } finally {
      signal?.removeEventListener("abort", onParentAbort);
      hashPool.close();
    }
    if (firstError !== undefined) throw firstError;
    return placed;
  }
}
