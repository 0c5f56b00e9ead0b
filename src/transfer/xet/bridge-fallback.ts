import type { ByteRange } from "../../hub/file-source.ts";
import type { HubResponse } from "../../hub/http.ts";
import type { Logger } from "../../output/logger.ts";
import { type ByteSource, pulledStream, type SourceOutcome } from "../byte-source.ts";
import { describeError } from "../../hub/retrying.ts";
import { SwitchedToBridge, XetUnavailable } from "./xet-errors.ts";

/**
 * Xet first; after a Xet failure that retrying Xet cannot fix, the Hub's bridge for the rest of the
 * file (said once). Bytes already written stay: both give the same file, and the end-to-end sha256 checks it.
 */
export class XetWithBridgeFallback implements ByteSource {
  private useBridge = false;

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
        if (!(error instanceof XetUnavailable)) throw error;
        this.switchToBridge(error);
      }
    }
    return this.bridge.locate(signal);
  }

  async open(range: ByteRange | undefined, signal?: AbortSignal): Promise<HubResponse> {
    if (!this.useBridge) {
      try {
        const opened = await this.xet.open(range, signal);
        return { ...opened, response: this.watchBody(opened.response) };
      } catch (error) {
        if (!(error instanceof XetUnavailable)) throw error;
        this.switchToBridge(error);
      }
    }
    return this.bridge.open(range, signal);
  }

  outcome(): SourceOutcome | undefined {
    return this.xet.outcome?.();
  }

  private switchToBridge(error: XetUnavailable): void {
    if (this.useBridge) return;
    this.useBridge = true;
    this.logger.warn(`${this.what}: Xet transfer failed (${describeError(error)}); downloading the rest through the Hub's bridge`);
  }

  /** A failure while streaming Xet bytes switches too; the engine then asks again for what is missing. */
  private watchBody(response: Response): Response {
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = pulledStream(
      () => reader.read(),
      (reason) => reader.cancel(reason),
      (error) => {
        if (!(error instanceof XetUnavailable)) return error;
        this.switchToBridge(error);
        return new SwitchedToBridge(error.message);
      },
    );
    return new Response(body, { status: response.status, headers: response.headers });
  }
}
