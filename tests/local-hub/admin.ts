/**
 * The admin API under /__admin/ on the hub listener, for a hub running as its own process:
 * faults, throttling, settings, the request log, upstream commits, the CDN clock, shutdown.
 */
import type { AdminHandler } from "./dispatch.ts";
import type { Fault, Throttle } from "./faults.ts";
import type { FileContent, FileDecl, FileTree } from "./fixtures.ts";
import type { HubConfiguration, LocalHub } from "./local-hub.ts";
import type { PushCommit } from "./repo-store.ts";
import { errorReply, type HubReply, jsonReply } from "./responses.ts";

/** File content in JSON: a string is UTF-8 text. */
export type AdminFileContent =
  | string
  | { readonly text: string; readonly lfs?: boolean }
  | { readonly base64: string; readonly lfs?: boolean }
  | { readonly generated: { readonly size: number; readonly seed?: string }; readonly lfs?: boolean };

export interface AdminPushCommit extends Omit<PushCommit, "files"> {
  readonly files?: Readonly<Record<string, AdminFileContent>>;
}

class AdminInputError extends Error {}

export function createAdminHandler(hub: LocalHub, onShutdown?: () => void): AdminHandler {
  const routes: Record<string, (body: () => unknown, query: URLSearchParams) => unknown> = {
    "GET health": () => ({ ok: true }),
    "GET state": () => ({
      url: hub.url,
      cdnUrl: hub.cdnUrl,
      configuration: hub.configuration,
      throttle: hub.throttle,
      repos: hub.repos.map((repo) => ({
        type: repo.type,
        id: repo.id,
        defaultBranch: repo.defaultBranch,
        head: repo.head.sha,
        branches: Object.fromEntries(repo.branches),
        tags: Object.fromEntries(repo.tags),
        pullRequests: Object.fromEntries(repo.pullRequests),
        gated: repo.gated,
        private: repo.private,
        files: repo.head.files.size,
      })),
    }),
    "GET faults": () => ({ faults: hub.faults }),
    "POST faults": (body) => {
      const input = body();
      const faults = (Array.isArray(input) ? input : [input]) as Fault[];
      return { injected: faults.map((fault) => hub.inject(fault)) };
    },
    "DELETE faults": () => {
      hub.clearFaults();
      return { ok: true };
    },
    "GET throttle": () => hub.throttle,
    "PUT throttle": (body) => {
      hub.setThrottle(parseThrottle(body()));
      return hub.throttle;
    },
    "GET settings": () => hub.configuration,
    "PUT settings": (body) => {
      hub.configure(body() as Partial<HubConfiguration>);
      return hub.configuration;
    },
    "GET requests": (_body, query) => {
      const since = Number(query.get("since") ?? 0);
      return { requests: hub.requests.filter((record) => record.seq > since) };
    },
    "DELETE requests": () => {
      hub.resetLog();
      return { ok: true };
    },
    "GET stats": () => hub.totals,
    "POST reset": () => {
      hub.clearFaults();
      hub.setThrottle({});
      hub.resetLog();
      return { ok: true };
    },
    "POST commits": (body) => ({ commit: hub.pushCommit(toPushCommit(body() as AdminPushCommit)) }),
    "POST clock": (body) => {
      const { advanceSeconds } = body() as { advanceSeconds?: unknown };
      if (typeof advanceSeconds !== "number") throw new AdminInputError("advanceSeconds must be a number");
      hub.advanceCdnClock(advanceSeconds);
      return { ok: true };
    },
    "POST shutdown": () => {
      // Answer first, then stop: the reply must leave before the listener closes.
      setTimeout(() => void hub.stop().then(() => onShutdown?.()), 20);
      return { ok: true };
    },
  };

  return (action, request, query) => {
    const route = routes[`${request.method} ${action}`];
    if (!route) return errorReply(404, undefined, `no admin route ${request.method} /__admin/${action}`);
    try {
      return jsonReply(200, route(() => parseJson(request.body), query));
    } catch (error) {
      return adminError(error);
    }
  };
}

function adminError(error: unknown): HubReply {
  const message = error instanceof Error ? error.message : String(error);
  return errorReply(error instanceof AdminInputError || error instanceof TypeError ? 400 : 500, undefined, message);
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body).toString() || "null");
  } catch {
    throw new AdminInputError("the body must be JSON");
  }
}

function parseThrottle(input: unknown): Throttle {
  const { bytesPerSecond, latencyMs } = (input ?? {}) as Record<string, unknown>;
  const optionalNumber = (value: unknown, name: string) => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || value < 0) throw new AdminInputError(`${name} must be a non-negative number`);
    return value;
  };
  const throttle: { bytesPerSecond?: number; latencyMs?: number } = {};
  const rate = optionalNumber(bytesPerSecond, "bytesPerSecond");
  const latency = optionalNumber(latencyMs, "latencyMs");
  if (rate) throttle.bytesPerSecond = rate;
  if (latency) throttle.latencyMs = latency;
  return throttle;
}

function toPushCommit(input: AdminPushCommit): PushCommit {
  if (typeof input?.repo !== "string") throw new AdminInputError("repo is required");
  const files: Record<string, FileContent | FileDecl> = {};
  for (const [path, content] of Object.entries(input.files ?? {})) files[path] = toFileDecl(content);
  return { ...input, files: files as FileTree };
}

function toFileDecl(content: AdminFileContent): FileDecl {
  if (typeof content === "string") return { content };
  if ("text" in content) return { content: content.text, lfs: content.lfs };
  if ("base64" in content) return { content: Buffer.from(content.base64, "base64"), lfs: content.lfs };
  if ("generated" in content) return { content: { generated: content.generated }, lfs: content.lfs };
  throw new AdminInputError("a file is a string, {text}, {base64} or {generated: {size, seed?}}");
}
