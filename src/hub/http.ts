import { AccessDeniedError, DownloadError } from "../errors.ts";
import type { Logger } from "../output/logger.ts";
import type { RepoRef } from "./api.ts";
import type { CallBudget } from "./call-budget.ts";
import type { HubRequestContext } from "./errors.ts";
import { VERSION } from "../version.ts";
import type { HubSettings } from "./settings.ts";
import { isHubUrl } from "./hub-hosts.ts";
import { EndpointReachability } from "./reachability.ts";
import { ERROR_BODY_LIMIT_BYTES, readLimitedText, safeJson } from "./bounded-body.ts";
import { refreshedToken, type StoredLogin, storedLogin } from "./login-refresh.ts";
import { RateLimitPacer } from "./rate-limit-pacer.ts";
import { ANNOUNCED_WAIT_MS, type RetryOptions } from "./retrying.ts";
import { describeTokenSource, type HubToken, tokenHeaderProblem } from "./token.ts";
import { fetchableUrl } from "./url-guard.ts";
import { describeUrl } from "./urls.ts";
import type { StallWatchdog, WatchHandle } from "./watchdog.ts";

const MAX_REDIRECTS = 8;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export type HubRequest = {
  readonly method?: "GET" | "HEAD" | "POST";
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  /** The whole exchange (head and body) must end within this; API answers are small, file bodies are not. */
  readonly deadlineMs?: number;
  /** Instead of `deadlineMs`, for a call retried: its attempts together must end within the budget. */
  readonly budget?: CallBudget;
  /** What is being fetched, for errors ("config.json" in org/model); default: the URL without its query. */
  readonly what?: string;
  /** Called for every redirect to another origin (the CDN), with the response that announced it. */
  readonly onCrossOriginRedirect?: (location: string, response: Response) => void;
  /** Return the redirect response instead of following a Location on another origin. */
  readonly stopAtCrossOrigin?: boolean;
  readonly body?: string;
  /** Never send the token, even to the Hub (the login refresh, which carries its own credentials). */
  readonly withoutToken?: boolean;
  /** A credential for this request's own origin only (a Xet access token for the CAS); never the Hub token. */
  readonly bearer?: { readonly token: string; readonly origin: string };
};

/** Bun would refuse the header with "invalid header value"; this names the token's source instead. */
function sendableToken(token: HubToken): string {
  const problem = tokenHeaderProblem(token.value);
  if (problem) {
    throw new AccessDeniedError(
      `The token from ${describeTokenSource(token)} cannot be sent in an HTTP header: it contains ${problem}. Fix ${token.file ? "the file" : token.source} (one token, on one line)`,
    );
  }
  return token.value;
}

export type HubResponse = {
  readonly response: Response;
  /** The URL that produced `response`, after redirects. */
  readonly url: string;
  /** Watches the connection for stalls; call `touch()` per body chunk and `release()` when done. */
  readonly watch: WatchHandle;
};

/**
 * HTTP to the Hub and its CDN. Redirects are followed by hand so that the
 * token only ever goes to the Hub (the endpoint's own origin, or the
 * official Hub hosts over https, see hub-hosts.ts): a Location there keeps
 * it, the CDN or any other host never sees it.
 */
export class HubHttp {
  /** Whether HF_ENDPOINT has answered in this run; see EndpointReachability. */
  readonly reachability: EndpointReachability;
  private readonly pacer = new RateLimitPacer();
  private activeToken: Promise<HubToken> | undefined;
  /** The `hf auth login` entry the token belongs to, read from stored_tokens once per run (see tokenSource). */
  private login: { readonly stored: StoredLogin | undefined } | undefined;
  private readonly endpointOrigin: string;
  private readonly userAgent = `model-manager/${VERSION}; bun/${Bun.version}`;

  constructor(
    readonly settings: HubSettings,
    private readonly watchdog: StallWatchdog,
    private readonly logger: Logger,
  ) {
    this.endpointOrigin = new URL(settings.endpoint).origin;
    this.reachability = new EndpointReachability(settings.endpoint);
  }

  /** What withRetries needs to stop retrying an endpoint that never answers. */
  retryHooks(): Pick<RetryOptions, "giveUp" | "stopWaiting"> {
    return { giveUp: (error) => this.reachability.giveUp(error), stopWaiting: this.reachability.declaredSignal };
  }

  /** What errors about `repo` at `revision` name: the endpoint, and whether (and from where) a token was sent. */
  requestContext(repo: RepoRef, revision: string): HubRequestContext & { readonly revision: string } {
    return { endpoint: this.settings.endpoint, ...repo, revision, tokenSent: this.tokenSent, tokenSource: this.tokenSource };
  }

  get tokenSent(): boolean {
    return this.settings.token !== undefined;
  }

  /** Where the token came from, for messages; says so when it is a browser login past its expiry. */
  get tokenSource(): string | undefined {
    const token = this.settings.token;
    if (!token) return undefined;
    this.login ??= { stored: storedLogin(token) };
    const login = this.login.stored;
    const expired = login?.expiresAt !== undefined && login.expiresAt * 1000 < Date.now();
    return `${describeTokenSource(token)}${expired ? `, a browser login that expired on ${new Date((login?.expiresAt ?? 0) * 1000).toISOString()}` : ""}`;
  }

  /** The token to send: the configured one, refreshed first (once per run) when it is an expiring browser login. */
  private token(): Promise<HubToken> {
    const token = this.settings.token as HubToken;
    this.activeToken ??= refreshedToken(token, this.settings.endpoint, this.settings.oauthClientId, (url, form) => this.exchangeForm(url, form), this.logger).then((active) => {
      // Refreshed (here or by another run): the token sent is no longer the expiring one.
      if (active.value !== token.value) this.login = { stored: undefined };
      return active;
    });
    return this.activeToken;
  }

  private async exchangeForm(url: string, form: string): Promise<{ status: number; body: unknown }> {
    const { response, watch } = await this.send(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form,
      withoutToken: true,
      what: "the refresh of the `hf auth login` token",
      deadlineMs: this.settings.apiDeadlineMs,
    });
    try {
      const text = await readLimitedText(response, ERROR_BODY_LIMIT_BYTES * 16, "the login refresh", watch.touch);
      return { status: response.status, body: safeJson(text) };
    } finally {
      watch.release();
    }
  }

  /** Sends the request, following redirects; the caller owns the returned body and watch handle. */
  async send(url: string, request: HubRequest = {}): Promise<HubResponse> {
    if (this.settings.offline) {
      throw new DownloadError(`HF_HUB_OFFLINE is set: refusing to contact ${describeUrl(url)}`);
    }
    this.reachability.check();
    const what = request.what ?? describeUrl(url);
    let current = fetchableUrl(url, undefined, what);
    if (isHubUrl(current, this.endpointOrigin)) {
      // Before the stall watch starts: a pause asked for by the Hub is not a stalled connection.
      await this.pacer.pace(current, request.signal, (bucket, pauseMs) =>
        this.logger[pauseMs >= ANNOUNCED_WAIT_MS ? "info" : "debug"](
          `the Hub's rate limit for ${bucket} requests is nearly used up: pausing ${Math.round(pauseMs / 1000)} s before ${what}`,
        ),
      );
    }
    const watch = request.budget ? request.budget.watch(this.watchdog, request.signal) : this.watchdog.watch(request.signal, request.deadlineMs);
    let redirect: Response | undefined;
    try {
      for (let hop = 0; ; hop++) {
        const response = await this.fetchOnce(current, request, watch);
        const location = response.headers.get("location");
        if (!REDIRECT_STATUSES.has(response.status) || !location) return { response, url: current, watch };
        redirect = response;
        if (hop >= MAX_REDIRECTS) throw new DownloadError(`Too many redirects for ${what}, starting at ${describeUrl(url)}`);
        const next = fetchableUrl(location, current, what);
        const crossOrigin = !isHubUrl(next, this.endpointOrigin);
        if (crossOrigin) request.onCrossOriginRedirect?.(next, response);
        if (crossOrigin && request.stopAtCrossOrigin) return { response, url: current, watch };
        await response.body?.cancel().catch(() => {});
        redirect = undefined;
        current = next;
      }
    } catch (error) {
      await redirect?.body?.cancel().catch(() => {});
      watch.release();
      throw error;
    }
  }

  private async fetchOnce(url: string, request: HubRequest, watch: WatchHandle): Promise<Response> {
    const method = request.method ?? "GET";
    const headers = new Headers(request.headers);
    headers.set("user-agent", this.userAgent);
    // Exact byte counts: never let a proxy or server compress file bodies.
    headers.set("accept-encoding", "identity");
    const toHub = isHubUrl(url, this.endpointOrigin) && !request.withoutToken;
    if (request.bearer) {
      if (new URL(url).origin === request.bearer.origin) headers.set("authorization", `Bearer ${request.bearer.token}`);
      else headers.delete("authorization");
    } else if (toHub && this.settings.token) headers.set("authorization", `Bearer ${sendableToken(await this.token())}`);
    else headers.delete("authorization");

    const started = performance.now();
    const toEndpoint = new URL(url).origin === this.endpointOrigin;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: request.body, redirect: "manual", signal: watch.signal, decompress: false });
    } catch (error) {
      if (toEndpoint && !request.signal?.aborted) {
        this.reachability.noAnswer(error, started);
        if (watch.signal.aborted) this.reachability.noAnswer(watch.signal.reason, started);
      }
      throw error;
    }
    if (toEndpoint) this.reachability.answer();
    if (toHub) this.pacer.observe(response.headers);
    watch.touch();
    if (this.logger.verbose) {
      const range = headers.get("range");
      const auth = headers.has("authorization") ? " [token sent]" : "";
      this.logger.debug(
        `${method} ${describeUrl(url)}${range ? ` (${range})` : ""}${auth} -> ${response.status} in ${Math.round(performance.now() - started)} ms`,
      );
    }
    return response;
  }
}
