/** Turns requests on the hub and CDN listeners into replies: routing, access, faults, accounting. */
import { randomBytes } from "node:crypto";
import { type Caller, denyAccess, identifyCaller } from "./access.ts";
import { pathsInfoReply, refsReply, repoInfoReply, type TreePaging, treeReply } from "./api-handlers.ts";
import type { CdnSigner } from "./cdn-signing.ts";
import { type FaultBook, type FaultTarget, type ListenerName, type ReplacementFault } from "./faults.ts";
import { cdnObjectReply, encodePath, type FileRequest, rawReply, resolveCacheReply, resolveReply, type XetLinks } from "./file-handlers.ts";
import type { IncomingRequest, OutgoingResponse } from "./http/server.ts";
import { type ContentReply, withoutContent } from "./range.ts";
import { rateLimitHeaders, type RateLimitBucket, RateLimitCounter } from "./rate-limit.ts";
import type { Commit, HostedRepo, RepoStore } from "./repo-store.ts";
import type { RequestLog, RequestRecord } from "./request-log.ts";
import { errorReply, type HeaderList, type HubReply, hubErrors, jsonReply, redirectReply } from "./responses.ts";
import { BadPathError, parseCdnPath, parseHubPath, type Route, splitRevisionAndPath } from "./routes.ts";
import { reconstructionReply, type XetSettings, xetTokenReply, type XetTokens, xorbReply } from "./xet-handlers.ts";
import { XetStore } from "./xet-store.ts";

/** The Xet side of the hub: stored files and xorbs, issued tokens, and faults specific to Xet. */
export interface XetCas {
  readonly store: XetStore;
  readonly tokens: XetTokens;
  /** How many reconstruction answers still announce a wrong `unpacked_length`. */
  wrongUnpackedLength: number;
}

export interface HubSettings extends TreePaging, XetSettings {
  regularFileRedirect: boolean;
  /** Send the informational `RateLimit` headers (counted, never enforced). */
  rateLimitHeaders: boolean;
}

export type AdminHandler = (action: string, request: IncomingRequest, query: URLSearchParams) => HubReply | Promise<HubReply>;

export interface DispatchDependencies {
  readonly store: RepoStore;
  readonly faults: FaultBook;
  readonly log: RequestLog;
  readonly signer: CdnSigner;
  readonly settings: HubSettings;
  readonly validTokens: ReadonlySet<string>;
  readonly hubUrl: () => string;
  readonly cdnUrl: () => string;
  readonly admin?: AdminHandler;
  readonly xet: XetCas;
}

const EXPOSED_HEADERS = [
  "X-Repo-Commit",
  "X-Request-Id",
  "X-Error-Code",
  "X-Error-Message",
  "X-Total-Count",
  "ETag",
  "Link",
  "Accept-Ranges",
  "Content-Range",
  "X-Linked-Size",
  "X-Linked-ETag",
  "X-Xet-Hash",
].join(",");

const ALLOWED_METHODS: Partial<Record<Route["kind"], readonly string[]>> = {
  "api-revision": ["GET", "HEAD"],
  "api-tree": ["GET", "HEAD"],
  "api-refs": ["GET", "HEAD"],
  "paths-info": ["POST"],
  resolve: ["GET", "HEAD"],
  raw: ["GET", "HEAD"],
  "resolve-cache": ["GET", "HEAD"],
  cdn: ["GET", "HEAD"],
  "xet-token": ["GET"],
  "xet-reconstruction": ["GET"],
  xorb: ["GET"],
};

/** The repository, commit and path a request is about, or the error that stops it first. */
interface Resolution {
  readonly repo?: HostedRepo;
  readonly commit?: Commit;
  readonly revision?: string;
  readonly path?: string;
  readonly error?: HubReply;
}

export class Dispatcher {
  private readonly rateLimits = new RateLimitCounter();

  constructor(private readonly deps: DispatchDependencies) {}

  readonly handleHub = async (request: IncomingRequest): Promise<OutgoingResponse> => {
    const { pathname, query } = splitTarget(request.target);
    let route: Route;
    try {
      route = parseHubPath(pathname);
    } catch (error) {
      if (!(error instanceof BadPathError)) throw error;
      route = { kind: "unknown" };
    }
    if (route.kind === "admin") {
      const reply = this.deps.admin ? await this.deps.admin(route.action, request, query) : hubErrors.pageNotFound();
      return { status: reply.status, headers: reply.headers, body: reply.body };
    }
    const caller = this.caller(request);
    const record = this.deps.log.open("hub", request.method, request.target, request.headers, caller);
    record.route = route.kind;
    const resolution = this.resolve(route, caller, query);
    this.describe(record, route, resolution);
    const target = this.faultTarget("hub", route, request.method, resolution);
    return this.respond(record, request, target, () => {
      if (resolution.error) return withoutContent(resolution.error);
      return this.answer(route, request, query, caller, resolution);
    });
  };

  readonly handleCdn = (request: IncomingRequest): OutgoingResponse => {
    const { pathname, query } = splitTarget(request.target);
    const route = parseCdnPath(pathname);
    if (route.kind === "xet-reconstruction" || route.kind === "xorb") return this.handleCas(request, route, pathname, query);
    const record = this.deps.log.open("cdn", request.method, request.target, request.headers, this.caller(request));
    record.route = route.kind;
    const repo = route.kind === "cdn" ? this.deps.store.findByStorageId(route.storageId) : undefined;
    const paths = repo && route.kind === "cdn" ? repo.pathsOfLfsObject(route.sha256) : [];
    if (repo) Object.assign(record, { repo: repo.id, repoType: repo.type, path: paths[0] });
    const target: FaultTarget = { listener: "cdn", route: route.kind, method: request.method, repoIds: repo ? [repo.id] : [], paths };
    const range = this.deps.faults.ignoresRange(target) ? undefined : this.deps.faults.servedRange(target, request.headers.get("range"));
    return this.respond(record, request, target, () => {
      if (route.kind !== "cdn") return withoutContent(cdnError(404, "NoSuchKey", "The specified key does not exist."));
      const methodError = checkMethod(route.kind, request.method);
      if (methodError) return withoutContent(methodError);
      const signature = this.deps.signer.check(pathname, query);
      if (signature !== "valid") return withoutContent(cdnAccessDenied());
      const blob = this.deps.store.lfsObject(route.sha256);
      if (!repo || !blob) return withoutContent(cdnError(404, "NoSuchKey", "The specified key does not exist."));
      return cdnObjectReply(blob, query, range);
    });
  };

  /** The Xet CAS on the CDN listener: reconstructions need a Xet access token, xorb URLs a valid signature. */
  private handleCas(
    request: IncomingRequest,
    route: Extract<Route, { kind: "xet-reconstruction" | "xorb" }>,
    pathname: string,
    query: URLSearchParams,
  ): OutgoingResponse {
    const { xet, signer } = this.deps;
    const authorization = request.headers.get("authorization");
    // A Xet access token is not a Hub token: log it as none, so tokenSeenAtCdn still means "a Hub token reached the CDN".
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    const loggedAuthorization = bearer !== undefined && xet.tokens.isToken(bearer) ? undefined : authorization;
    const record = this.deps.log.open("cdn", request.method, request.target, withHeader(request.headers, "authorization", loggedAuthorization), identifyCaller(loggedAuthorization, this.deps.validTokens));
    record.route = route.kind;
    const target: FaultTarget = { listener: "cdn", route: route.kind, method: request.method, repoIds: [], paths: [] };
    return this.respond(record, request, target, () => {
      const methodError = checkMethod(route.kind, request.method);
      if (methodError) return withoutContent(methodError);
      if (route.kind === "xorb") {
        if (signer.check(pathname, query) !== "valid") return withoutContent(cdnAccessDenied());
        const xorb = xet.store.xorb(route.hash);
        if (!xorb) return withoutContent(cdnError(404, "NoSuchKey", "The specified key does not exist."));
        return xorbReply(xorb, this.deps.faults.ignoresRange(target) ? undefined : request.headers.get("range"));
      }
      const token = xet.tokens.check(authorization, signer);
      if (token !== "valid") return withoutContent(errorReply(401, undefined, token === "expired" ? "Xet access token expired" : "Missing or invalid Xet access token"));
      if (route.version === "v2" && !this.deps.settings.xetReconstructionV2) return withoutContent(hubErrors.pageNotFound());
      const file = xet.store.file(route.hash);
      if (!file) return withoutContent(errorReply(404, undefined, `Xet file ${route.hash} not found`));
      const wrongUnpackedLength = xet.wrongUnpackedLength > 0;
      if (wrongUnpackedLength) xet.wrongUnpackedLength--;
      return withoutContent(
        reconstructionReply({ version: route.version, file, store: xet.store, range: request.headers.get("range"), signer, casUrl: this.deps.cdnUrl(), wrongUnpackedLength }),
      );
    });
  }

  private caller(request: IncomingRequest): Caller {
    return identifyCaller(request.headers.get("authorization"), this.deps.validTokens);
  }

  private xetLinks(repo: HostedRepo, commit: Commit, path: string): XetLinks | undefined {
    const sha256 = repo.xet ? commit.files.get(path)?.blob.sha256 : undefined;
    if (!sha256) return undefined;
    const hash = XetStore.xetHashOf(sha256);
    return {
      hash,
      tokenUrl: `${this.deps.hubUrl()}/api/${repo.type}s/${repo.id}/xet-read-token/${commit.sha}`,
      reconstructionUrl: `${this.deps.cdnUrl()}/v1/reconstructions/${hash}`,
    };
  }

  /** Applies faults, decorates the reply with its listener's headers and wires accounting. */
  private respond(record: RequestRecord, request: IncomingRequest, target: FaultTarget, answer: () => ContentReply): OutgoingResponse {
    const before = this.deps.faults.beforeHandling(target);
    record.faults.push(...before.applied);
    const content = before.replacement ? withoutContent(faultReply(before.replacement, target)) : answer();
    let delivery: OutgoingResponse["delivery"] = before.latencyMs > 0 || before.reset ? { latencyMs: before.latencyMs, resetBeforeHead: before.reset } : undefined;
    if (content.hasContent && request.method === "GET") {
      const shaping = this.deps.faults.forFileBody(target);
      record.faults.push(...shaping.applied);
      const length = content.reply.body.byteLength;
      const corruptOffsets = shaping.corruptOffsets
        ?.map((offset) => offset - content.bodyStart)
        .filter((offset) => offset >= 0 && offset < length);
      delivery = { ...delivery, bytesPerSecond: shaping.bytesPerSecond, cut: shaping.cut, corruptOffsets };
    }
    const reply = content.reply;
    record.status = reply.status;
    record.contentLength = request.method === "HEAD" ? 0 : reply.body.byteLength;
    const listenerHeaders = target.listener === "hub" ? hubHeaders() : cdnHeaders(reply.status);
    return {
      status: reply.status,
      headers: [...reply.headers, ...listenerHeaders],
      body: reply.body,
      delivery,
      observer: this.deps.log.observe(record),
    };
  }

  private resolve(route: Route, caller: Caller, query: URLSearchParams): Resolution {
    if (!("repoId" in route)) return {};
    const { store } = this.deps;
    const repo = store.find(route.type, route.repoId);
    if (caller.kind === "invalid") return { repo, error: hubErrors.invalidCredentials() };
    if (!repo) {
      const renamed = store.renamedTo(route.type, route.repoId);
      if (renamed) {
        const location = `${route.beforeId}${encodePath(renamed.id)}${route.afterId}${query.size > 0 ? `?${query}` : ""}`;
        return { error: redirectReply(307, location) };
      }
    }
    const contentRoutes: readonly string[] = ["resolve", "raw", "resolve-cache", "xet-token"];
    const need = contentRoutes.includes(route.kind) ? "content" : "metadata";
    const pageUrl = repo ? `${this.deps.hubUrl()}/${repo.type === "model" ? "" : `${repo.type}s/`}${repo.id}` : "";
    const denied = denyAccess(repo, caller, need, pageUrl);
    if (denied || !repo) return { repo, error: denied ?? hubErrors.repoNotFound() };
    if (route.kind === "api-refs") return { repo };
    const { revision, path } =
      route.kind === "api-revision" || route.kind === "paths-info" || route.kind === "xet-token"
        ? { revision: route.revision, path: undefined }
        : splitRevisionAndPath(route.rest, (candidate) => repo.resolveRevision(candidate) !== undefined);
    const commit = repo.resolveRevision(revision);
    if (!commit) return { repo, revision, path, error: hubErrors.revisionNotFound(revision) };
    return { repo, commit, revision, path };
  }

  private answer(route: Route, request: IncomingRequest, query: URLSearchParams, caller: Caller, resolution: Resolution): ContentReply {
    const methodError = checkMethod(route.kind, request.method);
    if (methodError) return withoutContent(methodError);
    const { repo, commit, revision, path } = resolution;
    if (!repo) return withoutContent(hubErrors.pageNotFound());
    const rateLimit = (bucket: RateLimitBucket) => (this.deps.settings.rateLimitHeaders ? this.rateLimits.take(bucket, caller.kind === "token") : []);
    if (route.kind === "api-refs") return withoutContent(withHeaders(refsReply(repo, query), rateLimit("api")));
    if (!commit || revision === undefined) return withoutContent(hubErrors.pageNotFound());
    const apiBase = `${this.deps.hubUrl()}/api/${repo.type}s/${repo.id}`;
    switch (route.kind) {
      case "api-revision":
        return withoutContent(withHeaders(repoInfoReply(repo, commit, query), rateLimit("api")));
      case "api-tree":
        return withoutContent(
          withHeaders(treeReply({ repo, commit, revision, path: path ?? "", query, paging: this.deps.settings, apiBase }), rateLimit("api")),
        );
      case "paths-info":
        return withoutContent(
          withHeaders(pathsInfoReply(repo, commit, request.body, request.headers.get("content-type") ?? ""), rateLimit("api")),
        );
      case "xet-token":
        return withoutContent(xetTokenReply(this.deps.xet.tokens.issue(this.deps.signer, this.deps.settings.xetTokenTtlSeconds), this.deps.cdnUrl()));
      case "resolve":
      case "raw":
      case "resolve-cache": {
        const resolveHeaders: HeaderList = rateLimit("resolvers");
        if (caller.kind === "anonymous") {
          resolveHeaders.push(["X-HF-Warning", "unauthenticated; You are sending unauthenticated requests to the HF Hub."]);
        }
        const fileRequest: FileRequest = {
          repo,
          commit,
          revision,
          path: path ?? "",
          range: request.headers.get("range"),
          resolveHeaders,
          xet: this.xetLinks(repo, commit, path ?? ""),
          accept: request.headers.get("accept"),
        };
        const serving = { signer: this.deps.signer, cdnUrl: this.deps.cdnUrl(), regularFileRedirect: this.deps.settings.regularFileRedirect };
        if (route.kind === "raw") return rawReply(fileRequest);
        return route.kind === "resolve" ? resolveReply(fileRequest, serving) : resolveCacheReply(fileRequest, serving);
      }
      default:
        return withoutContent(hubErrors.pageNotFound());
    }
  }

  private describe(record: RequestRecord, route: Route, resolution: Resolution): void {
    if ("repoId" in route) {
      record.repo = resolution.repo?.id ?? route.repoId;
      record.repoType = route.type;
    }
    record.revision = resolution.revision;
    record.path = resolution.path || undefined;
  }

  private faultTarget(listener: ListenerName, route: Route, method: string, resolution: Resolution): FaultTarget {
    const repoIds = new Set<string>();
    if ("repoId" in route) repoIds.add(route.repoId);
    if (resolution.repo) repoIds.add(resolution.repo.id);
    return { listener, route: route.kind, method, repoIds: [...repoIds], paths: resolution.path ? [resolution.path] : [] };
  }
}

function splitTarget(target: string): { pathname: string; query: URLSearchParams } {
  const withoutOrigin = /^https?:\/\//i.test(target) ? target.replace(/^https?:\/\/[^/]*/i, "") : target;
  const questionMark = withoutOrigin.indexOf("?");
  if (questionMark < 0) return { pathname: withoutOrigin, query: new URLSearchParams() };
  return { pathname: withoutOrigin.slice(0, questionMark), query: new URLSearchParams(withoutOrigin.slice(questionMark + 1)) };
}

function withHeader(headers: ReadonlyMap<string, string>, name: string, value: string | undefined): ReadonlyMap<string, string> {
  const changed = new Map(headers);
  if (value === undefined) changed.delete(name);
  else changed.set(name, value);
  return changed;
}

function withHeaders(reply: HubReply, headers: HeaderList): HubReply {
  return { ...reply, headers: [...reply.headers, ...headers] };
}

function checkMethod(kind: Route["kind"], method: string): HubReply | undefined {
  const allowed = ALLOWED_METHODS[kind];
  if (!allowed || allowed.includes(method)) return undefined;
  return errorReply(405, undefined, `Method ${method} not allowed`, [["Allow", allowed.join(", ")]]);
}

function faultReply(fault: ReplacementFault, target: FaultTarget): HubReply {
  if (fault.kind === "expired-url") return cdnAccessDenied();
  if (fault.kind === "rate-limit") {
    const bucket: RateLimitBucket = target.route.startsWith("api") || target.route === "paths-info" ? "api" : "resolvers";
    const headers: HeaderList = [];
    if (fault.retryAfterSeconds !== undefined) headers.push(["Retry-After", String(fault.retryAfterSeconds)]);
    if (fault.resetSeconds !== undefined || fault.retryAfterSeconds === undefined) {
      headers.push(...rateLimitHeaders(bucket, 0, fault.resetSeconds ?? 1));
    }
    return errorReply(429, undefined, `Too Many Requests: you have reached your '${bucket}' rate limit.`, headers);
  }
  const headers = Object.entries(fault.headers ?? {});
  if (fault.body !== undefined) return { status: fault.status, headers: [["Content-Type", "text/plain; charset=utf-8"], ...headers], body: Buffer.from(fault.body) };
  return jsonReply(fault.status, { error: `Injected fault: HTTP ${fault.status}` }, headers);
}

function cdnError(status: number, code: string, message: string): HubReply {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  return { status, headers: [["Content-Type", "application/xml"]], body: Buffer.from(xml) };
}

/** CloudFront answers an expired or tampered signed URL with this 403. */
function cdnAccessDenied(): HubReply {
  return cdnError(403, "AccessDenied", "Access denied");
}

function hubHeaders(): HeaderList {
  return [
    ["Access-Control-Allow-Origin", "*"],
    ["Access-Control-Expose-Headers", EXPOSED_HEADERS],
    ["Vary", "Origin"],
    ["X-Powered-By", "huggingface-moon"],
    ["X-Request-Id", `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`],
  ];
}

function cdnHeaders(status: number): HeaderList {
  return [
    ["Via", "1.1 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)"],
    ["X-Amz-Cf-Pop", "LOCAL50-C1"],
    ["X-Amz-Cf-Id", randomBytes(30).toString("base64url")],
    // "… cloudfront" is what JS fileDownloadInfo checks before it reuses a CDN URL (§3.4).
    ["X-Cache", status < 400 ? "Hit from cloudfront" : "Error from cloudfront"],
  ];
}
