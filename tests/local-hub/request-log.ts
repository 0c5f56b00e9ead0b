/** Accounting: one record per request on either listener, updated live while the body goes out. */
import type { Caller } from "./access.ts";
import { sha256Hex } from "./content.ts";
import type { FaultKind, ListenerName } from "./faults.ts";
import type { RepoType } from "./fixtures.ts";
import type { ResponseObserver, ResponseOutcome } from "./http/server.ts";
import type { RouteKind } from "./routes.ts";

export interface RequestRecord {
  /** 1, 2, 3… in arrival order; not reset by `reset()`. */
  readonly seq: number;
  /** Arrival, in ms since the Unix epoch. */
  readonly at: number;
  readonly listener: ListenerName;
  readonly method: string;
  /** Path and query as sent. */
  readonly target: string;
  route: RouteKind;
  repo?: string;
  repoType?: RepoType;
  revision?: string;
  path?: string;
  /** Only 0 until the handler has answered. */
  status: number;
  readonly range?: string;
  readonly userAgent?: string;
  /** `none`: no Authorization header; `valid`/`invalid`: whether the hub knows the token. */
  readonly authorization: "none" | "valid" | "invalid";
  /** First 16 hex digits of sha256 of the Authorization header value, to tell tokens apart without storing them. */
  readonly authorizationHash?: string;
  /** Body length announced in Content-Length (0 for HEAD). */
  contentLength: number;
  /** Body bytes handed to the kernel so far. */
  bodyBytes: number;
  outcome?: ResponseOutcome;
  faults: FaultKind[];
  durationMs?: number;
}

export interface RequestTotals {
  readonly requests: number;
  readonly byRoute: Partial<Record<RouteKind, number>>;
  readonly byStatus: Record<string, number>;
  readonly hubBodyBytes: number;
  readonly cdnBodyBytes: number;
  readonly tokenSeenAtCdn: boolean;
}

export class RequestLog {
  private readonly entries: RequestRecord[] = [];
  private nextSeq = 1;

  get records(): readonly RequestRecord[] {
    return this.entries;
  }

  open(listener: ListenerName, method: string, target: string, headers: ReadonlyMap<string, string>, caller: Caller): RequestRecord {
    const authorizationHeader = headers.get("authorization");
    const record: RequestRecord = {
      seq: this.nextSeq++,
      at: Date.now(),
      listener,
      method,
      target,
      route: "unknown",
      status: 0,
      range: headers.get("range"),
      userAgent: headers.get("user-agent"),
      authorization: caller.kind === "anonymous" ? "none" : caller.kind === "token" ? "valid" : "invalid",
      authorizationHash: authorizationHeader === undefined ? undefined : sha256Hex(authorizationHeader).slice(0, 16),
      contentLength: 0,
      bodyBytes: 0,
      faults: [],
    };
    this.entries.push(record);
    return record;
  }

  /** Keeps `record` current as the server writes the response. */
  observe(record: RequestRecord): ResponseObserver {
    const started = performance.now();
    return {
      bodyBytes(count) {
        record.bodyBytes += count;
      },
      settled(outcome) {
        record.outcome = outcome;
        record.durationMs = performance.now() - started;
      },
    };
  }

  reset(): void {
    this.entries.length = 0;
  }

  totals(): RequestTotals {
    const byRoute: Partial<Record<RouteKind, number>> = {};
    const byStatus: Record<string, number> = {};
    let hubBodyBytes = 0;
    let cdnBodyBytes = 0;
    for (const record of this.entries) {
      byRoute[record.route] = (byRoute[record.route] ?? 0) + 1;
      byStatus[record.status] = (byStatus[record.status] ?? 0) + 1;
      if (record.listener === "hub") hubBodyBytes += record.bodyBytes;
      else cdnBodyBytes += record.bodyBytes;
    }
    return { requests: this.entries.length, byRoute, byStatus, hubBodyBytes, cdnBodyBytes, tokenSeenAtCdn: this.tokenSeenAtCdn };
  }

  /** True if any request to the CDN listener carried an Authorization header (clients must strip it, §4). */
  get tokenSeenAtCdn(): boolean {
    return this.entries.some((record) => record.listener === "cdn" && record.authorization !== "none");
  }
}
