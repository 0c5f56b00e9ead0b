import * as v from "valibot";
import { errorFromResponse, type HubRequestContext } from "../../hub/errors.ts";
import type { HubHttp } from "../../hub/http.ts";
import { tokenHeaderProblem } from "../../hub/token.ts";
import { servedUrlProblem } from "../../hub/url-guard.ts";
import { describeUrl, repoApiBase } from "../../hub/urls.ts";
import { readXetJson } from "./xet-answer.ts";
import { XetUnavailable } from "./xet-errors.ts";

export type XetAccess = { readonly accessToken: string; readonly casUrl: string; readonly expiresAtMs: number };

const TokenAnswer = v.object({ accessToken: v.pipe(v.string(), v.minLength(1)), exp: v.number(), casUrl: v.string() });

/** A token answer is a few hundred bytes. */
const TOKEN_ANSWER_LIMIT_BYTES = 64 * 1024;

const SOURCES = new WeakMap<HubHttp, Map<string, XetTokenSource>>();

/** Refresh this long before the announced expiry, so a request never leaves with a token about to lapse. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The Xet read token of one repository at one commit (`/api/{type}s/{repo}/xet-read-token/{commit}`,
 * sent with the Hub token), shared by every range of a file: fetched once, again before it expires,
 * and again when the CAS refuses it (`invalidate`).
 */
export class XetTokenSource {
  private current: XetAccess | undefined;
  private pending: Promise<XetAccess> | undefined;

  /** One source per repository and commit for the run's HTTP client, so the files of a model share one token. */
  static for(http: HubHttp, context: HubRequestContext & { readonly revision: string }): XetTokenSource {
    const sources = SOURCES.get(http) ?? new Map<string, XetTokenSource>();
    SOURCES.set(http, sources);
    const key = `${context.repoType}/${context.repoId}@${context.revision}`;
    const existing = sources.get(key);
    if (existing) return existing;
    const created = new XetTokenSource(http, context);
    sources.set(key, created);
    return created;
  }

  private constructor(
    private readonly http: HubHttp,
    private readonly context: HubRequestContext & { readonly revision: string },
  ) {}

  get(signal?: AbortSignal): Promise<XetAccess> {
    if (this.current && this.current.expiresAtMs - REFRESH_MARGIN_MS > Date.now()) return Promise.resolve(this.current);
    this.pending ??= this.fetch(signal).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: XetAccess): void {
    if (this.current === token) this.current = undefined;
  }

  private async fetch(signal?: AbortSignal): Promise<XetAccess> {
    const { context } = this;
    const url = `${repoApiBase(context.endpoint, context.repoType, context.repoId)}/xet-read-token/${context.revision}`;
    const what = `the Xet read token of ${context.repoId}`;
    const { response, watch } = await this.http.send(url, { signal, what, deadlineMs: this.http.settings.apiDeadlineMs });
    try {
      if (!response.ok) {
        const error = await errorFromResponse(response, context, url);
        throw response.status === 429 || response.status >= 500 ? error : new XetUnavailable(`${what}: ${error.message}`);
      }
      const parsed = v.safeParse(TokenAnswer, await readXetJson(response, TOKEN_ANSWER_LIMIT_BYTES, what, watch.touch));
      if (!parsed.success) throw new XetUnavailable(`${what}: the Hub's answer is not {accessToken, exp, casUrl}`);
      const { accessToken, exp, casUrl } = parsed.output;
      // Checked here, not met later as a failure to send: the token never reaches an error message.
      const tokenProblem = tokenHeaderProblem(accessToken);
      if (tokenProblem) throw new XetUnavailable(`${what}: the Hub's accessToken cannot be sent in an HTTP header (${tokenProblem})`);
      const urlProblem = servedUrlProblem(casUrl);
      if (urlProblem) throw new XetUnavailable(`${what}: the Hub's casUrl ${describeUrl(casUrl)} ${urlProblem}`);
      this.current = { accessToken, casUrl: casUrl.replace(/\/+$/, ""), expiresAtMs: exp * 1000 };
      return this.current;
    } finally {
      watch.release();
    }
  }
}
