import { ModelManagerError } from "../../errors.ts";
import type { ByteRange } from "../../hub/file-source.ts";
import type { HubResponse } from "../../hub/http.ts";
import type { Logger } from "../../output/logger.ts";
import { type ByteSource, pulledStream, type SourceOutcome } from "../byte-source.ts";
import { isTransientError } from "../../hub/retry.ts";
import { describeError } from "../../hub/retrying.ts";
import { SwitchedToBridge, XetUnavailable } from "./xet-errors.ts";

/**
 * Transient Xet failures in a row, no Xet byte between them, after which retrying Xet counts as not
 * helping (a CAS that keeps answering 503, xorb URLs that are always "expired"): half the engine's
 * default attempts, so the bridge still has the other half.
 */
const XET_FAILURES_BEFORE_BRIDGE = 3;

/**
 * Xet first; after a Xet failure that retrying Xet cannot fix, or transient ones that retrying has
 * not fixed, the Hub's bridge for the rest of the file (said once). Bytes already written stay: both
 * give the same file, and the end-to-end sha256 checks it.
 */
export class XetWithBridgeFallback implements ByteSource {
  private useBridge = false;
  private failuresInARow = 0;

  constructor(
    private readonly xet: ByteSource,
    private readonly bridge: ByteSource,
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  async locate(signal?: AbortSignal): Promise<void> {
    if (!this.useBridge) {
      try {
        return await this.xet.locate(signal);
      } catch (error) {
        if (!this.endsXet(error, signal)) throw error;
      }
    }
    return this.bridge.locate(signal);
  }

  get leftXet(): boolean {
    return this.useBridge;
  }

  get cheapUnits(): boolean {
    return !this.useBridge && this.xet.cheapUnits === true;
  }

  async plan(gaps: ReadonlyArray<readonly [number, number]>, maxUnitBytes: number, signal?: AbortSignal): Promise<Array<[number, number]> | undefined> {
    if (this.useBridge) return undefined;
    try {
      return await this.xet.plan?.(gaps, maxUnitBytes, signal);
    } catch (error) {
      if (!this.endsXet(error, signal)) throw error;
      return undefined;
    }
  }

  async open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse> {
    if (!this.useBridge) {
      try {
        const opened = await this.xet.open(range, signal);
        return { ...opened, response: this.watchBody(opened.response, signal) };
      } catch (error) {
        if (!this.endsXet(error, signal)) throw error;
      }
    }
    return this.bridge.open(range, signal);
  }

  outcome(): SourceOutcome | undefined {
    return this.xet.outcome?.();
  }

  /**
   * Whether `error` ends Xet for this file: one that retrying cannot fix (a XetUnavailable, or a failure
   * of the exchange that is not transient, such as a CAS answering malformed HTTP: the bridge is another
   * path), or one transient failure too many. Never the run being stopped, nor one of our own errors
   * (offline, the Hub unreachable, a token that cannot be sent), which the bridge would meet too.
   */
  private givesUpXet(error: unknown, signal?: AbortSignal): boolean {
    if (error instanceof XetUnavailable) return true;
    if (signal?.aborted || (error instanceof Error && error.name === "AbortError")) return false;
    if (isTransientError(error)) return ++this.failuresInARow >= XET_FAILURES_BEFORE_BRIDGE;
    return !(error instanceof ModelManagerError);
  }

  /** Whether `error` ends Xet for this file; if it does, the rest goes through the bridge. */
  private endsXet(error: unknown, signal?: AbortSignal): boolean {
    if (!this.givesUpXet(error, signal)) return false;
    this.switchToBridge(error as Error);
    return true;
  }

  private switchToBridge(error: Error): void {
    if (this.useBridge) return;
    this.useBridge = true;
    this.logger.warn(`${this.what}: Xet transfer failed (${describeError(error)}); downloading the rest through the Hub's bridge`);
  }

  /** A failure while streaming Xet bytes switches too; the engine then asks again for what is missing. */
  private watchBody(response: Response, signal?: AbortSignal): Response {
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = pulledStream(
      async () => {
        const step = await reader.read();
        if (!step.done && step.value.length > 0) this.failuresInARow = 0;
        return step;
      },
      (reason) => reader.cancel(reason),
      (error) => {
        const endsXet = error instanceof XetUnavailable || (!this.useBridge && this.givesUpXet(error, signal));
        if (!endsXet) return error;
        this.switchToBridge(error as Error);
        return new SwitchedToBridge(describeError(error));
      },
    );
    return new Response(body, { status: response.status, headers: response.headers });
  }
}
