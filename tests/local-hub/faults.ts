/** Fault injection and throttling: which requests misbehave, how, and how many times. */
import type { BodyCut } from "./http/server.ts";
import type { RouteKind } from "./routes.ts";

export type ListenerName = "hub" | "cdn";

export interface FaultScope {
  /** Repository id, exact or a glob (`org/*`). Default: any. */
  readonly repo?: string;
  /** File path glob (`*` stays within a directory, `**` crosses). Default: any request, with or without a path. */
  readonly path?: string;
  /** Default: both listeners (`expired-url`: the CDN). */
  readonly host?: ListenerName;
  readonly route?: RouteKind | readonly RouteKind[];
  readonly method?: string;
  /** How many requests it affects before it stops; default 1. */
  readonly times?: number | "always";
}

export type FaultEffect =
  /** Reset the connection (RST) after this many body bytes. */
  | { readonly kind: "drop"; readonly afterBytes: number }
  /** Close the connection cleanly (FIN) after this many body bytes, short of Content-Length. */
  | { readonly kind: "truncate"; readonly afterBytes: number }
  /** Send this many body bytes, then nothing while holding the connection open (or until `resumeAfterMs`). */
  | { readonly kind: "stall"; readonly afterBytes: number; readonly resumeAfterMs?: number }
  /** Invert the bytes at these file offsets; the length is unchanged. */
  | { readonly kind: "corrupt"; readonly offsets: readonly number[] }
  | { readonly kind: "status"; readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: string }
  /** 429 with `Retry-After: retryAfterSeconds` and/or `RateLimit: "<bucket>";r=0;t=resetSeconds`. */
  | { readonly kind: "rate-limit"; readonly retryAfterSeconds?: number; readonly resetSeconds?: number }
  /** The CDN's 403 for an expired signed URL. */
  | { readonly kind: "expired-url" }
  | { readonly kind: "bandwidth"; readonly bytesPerSecond: number }
  /** Delay before the response head. */
  | { readonly kind: "latency"; readonly ms: number }
  /** Reset the connection (RST) before any byte of the response. */
  | { readonly kind: "reset" }
  /** Answer 200 with the whole body although a Range was asked for, as a server or proxy without range support does. */
  | { readonly kind: "ignore-range" }
  /**
   * Serve a range moved from the one asked (start by `startBy`, end by `endBy` bytes, clamped to the
   * file) as a 206 whose Content-Range truthfully names it, as a buggy proxy or cache can.
   */
  | { readonly kind: "wrong-range"; readonly startBy: number; readonly endBy: number };

export type Fault = FaultScope & FaultEffect;
export type FaultKind = Fault["kind"];
export type ReplacementFault = Extract<Fault, { kind: "status" | "rate-limit" | "expired-url" }>;

export interface InjectedFault {
  readonly id: number;
  readonly fault: Fault;
  fired: number;
  remaining: number | "always";
}

/** What a request is, for matching faults. */
export interface FaultTarget {
  readonly listener: ListenerName;
  readonly route: RouteKind;
  readonly method: string;
  /** The id as requested and the canonical one. */
  readonly repoIds: readonly string[];
  /** The file path(s) the request serves; several when a CDN object backs more than one path. */
  readonly paths: readonly string[];
}

/** Global throttling, for benchmarks: bandwidth per file download, latency per request. */
export interface Throttle {
  readonly bytesPerSecond?: number;
  readonly latencyMs?: number;
}

export interface BodyShaping {
  readonly bytesPerSecond?: number;
  readonly cut?: BodyCut;
  /** File offsets. */
  readonly corruptOffsets?: readonly number[];
  readonly applied: readonly FaultKind[];
}

const REPLACEMENT_KINDS = new Set<FaultKind>(["status", "rate-limit", "expired-url"]);

export class FaultBook {
  private readonly faults: InjectedFault[] = [];
  private nextId = 1;
  throttle: Throttle = {};

  inject(fault: Fault): InjectedFault {
    validateFault(fault);
    const injected: InjectedFault = { id: this.nextId++, fault, fired: 0, remaining: fault.times ?? 1 };
    this.faults.push(injected);
    return injected;
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** Injected faults, spent ones included, with their counts. */
  get all(): readonly InjectedFault[] {
    return this.faults;
  }

  /** The first fault that replaces the whole response, and the total extra latency; both consumed. */
  beforeHandling(target: FaultTarget): { replacement?: ReplacementFault; latencyMs: number; reset: boolean; applied: FaultKind[] } {
    const applied: FaultKind[] = [];
    let replacement: ReplacementFault | undefined;
    let reset = false;
    let latencyMs = this.throttle.latencyMs ?? 0;
    for (const injected of this.matching(target)) {
      const fault = injected.fault;
      if (fault.kind === "latency") {
        latencyMs += fault.ms;
      } else if (fault.kind === "reset" && !reset) {
        reset = true;
      } else if (REPLACEMENT_KINDS.has(fault.kind) && !replacement) {
        replacement = fault as ReplacementFault;
      } else {
        continue;
      }
      this.consume(injected);
      applied.push(fault.kind);
    }
    return { replacement, latencyMs, reset, applied };
  }

  /** Shaping of a file body served by GET; the faults used are consumed. */
  forFileBody(target: FaultTarget): BodyShaping {
    const applied: FaultKind[] = [];
    let bytesPerSecond = this.throttle.bytesPerSecond;
    let cut: BodyCut | undefined;
    const corruptOffsets: number[] = [];
    for (const injected of this.matching(target)) {
      const fault = injected.fault;
      if (fault.kind === "bandwidth") {
        bytesPerSecond = Math.min(bytesPerSecond ?? Number.POSITIVE_INFINITY, fault.bytesPerSecond);
      } else if (fault.kind === "corrupt") {
        corruptOffsets.push(...fault.offsets);
      } else if ((fault.kind === "drop" || fault.kind === "truncate" || fault.kind === "stall") && !cut) {
        cut = { afterBytes: fault.afterBytes, mode: fault.kind, resumeAfterMs: fault.kind === "stall" ? fault.resumeAfterMs : undefined };
      } else {
        continue;
      }
      this.consume(injected);
      applied.push(fault.kind);
    }
    return { bytesPerSecond, cut, corruptOffsets: corruptOffsets.length ? corruptOffsets : undefined, applied };
  }

  /** Whether an `ignore-range` fault applies to this request (consumed if so). */
  ignoresRange(target: FaultTarget): boolean {
    for (const injected of this.matching(target)) {
      if (injected.fault.kind !== "ignore-range") continue;
      this.consume(injected);
      return true;
    }
    return false;
  }

  /** The Range header as served: moved by a `wrong-range` fault (consumed if so), else as asked. */
  servedRange(target: FaultTarget, asked: string | undefined): string | undefined {
    const match = asked === undefined ? null : /^bytes=(\d+)-(\d*)$/.exec(asked.trim());
    if (!match) return asked;
    for (const injected of this.matching(target)) {
      const fault = injected.fault;
      if (fault.kind !== "wrong-range") continue;
      this.consume(injected);
      const start = Math.max(0, Number(match[1]) + fault.startBy);
      const end = match[2] === "" ? "" : String(Math.max(start, Number(match[2]) + fault.endBy));
      return `bytes=${start}-${end}`;
    }
    return asked;
  }

  private *matching(target: FaultTarget): Generator<InjectedFault> {
    for (const injected of this.faults) {
      if (injected.remaining !== "always" && injected.remaining <= 0) continue;
      if (matches(injected.fault, target)) yield injected;
    }
  }

  private consume(injected: InjectedFault): void {
    injected.fired++;
    if (injected.remaining !== "always") injected.remaining--;
  }
}

function matches(fault: Fault, target: FaultTarget): boolean {
  const host = fault.host ?? (fault.kind === "expired-url" ? "cdn" : undefined);
  if (host && host !== target.listener) return false;
  if (fault.method && fault.method.toUpperCase() !== target.method) return false;
  if (fault.route !== undefined) {
    const routes: readonly RouteKind[] = typeof fault.route === "string" ? [fault.route] : fault.route;
    if (!routes.includes(target.route)) return false;
  }
  if (fault.repo !== undefined && !target.repoIds.some((id) => globMatches(fault.repo!, id))) return false;
  if (fault.path !== undefined && !target.paths.some((path) => globMatches(fault.path!, path))) return false;
  return true;
}

function globMatches(pattern: string, value: string): boolean {
  return pattern === value || new Bun.Glob(pattern).match(value);
}

function validateFault(fault: Fault): void {
  const count = (value: unknown, name: string) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`${fault.kind} fault: ${name} must be a non-negative integer`);
    }
  };
  const positive = (value: unknown, name: string) => {
    if (typeof value !== "number" || !(value > 0)) throw new TypeError(`${fault.kind} fault: ${name} must be positive`);
  };
  if (fault.times !== undefined && fault.times !== "always") count(fault.times, "times");
  switch (fault.kind) {
    case "drop":
    case "truncate":
      count(fault.afterBytes, "afterBytes");
      return;
    case "stall":
      count(fault.afterBytes, "afterBytes");
      if (fault.resumeAfterMs !== undefined) count(fault.resumeAfterMs, "resumeAfterMs");
      return;
    case "corrupt":
      if (!Array.isArray(fault.offsets) || fault.offsets.length === 0) throw new TypeError("corrupt fault: offsets must be a non-empty array");
      for (const offset of fault.offsets) count(offset, "offsets[]");
      return;
    case "status":
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        throw new TypeError("status fault: status must be an HTTP status from 200 to 599");
      }
      return;
    case "rate-limit":
      if (fault.retryAfterSeconds !== undefined) count(fault.retryAfterSeconds, "retryAfterSeconds");
      if (fault.resetSeconds !== undefined) count(fault.resetSeconds, "resetSeconds");
      return;
    case "expired-url":
    case "ignore-range":
    case "reset":
      return;
    case "wrong-range":
      if (!Number.isSafeInteger(fault.startBy) || !Number.isSafeInteger(fault.endBy) || (fault.startBy === 0 && fault.endBy === 0)) {
        throw new TypeError("wrong-range fault: startBy and endBy must be integers, not both 0");
      }
      return;
    case "bandwidth":
      positive(fault.bytesPerSecond, "bytesPerSecond");
      return;
    case "latency":
      count(fault.ms, "ms");
      return;
    default:
      throw new TypeError(`unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}`);
  }
}
