/** Building hub replies: JSON and text bodies, and the error set of fact sheet §4. */
import type { RepoType } from "./fixtures.ts";
import type { BodyBytes } from "./http/body.ts";
import type { Delivery } from "./http/server.ts";

export type HeaderList = Array<readonly [string, string]>;

export interface HubReply {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: BodyBytes;
  readonly delivery?: Delivery;
}

export function jsonReply(status: number, value: unknown, headers: HeaderList = []): HubReply {
  const body = Buffer.from(JSON.stringify(value));
  const etag = `W/"${body.byteLength.toString(16)}-${new Bun.CryptoHasher("sha1").update(body).digest("base64").slice(0, 27)}"`;
  return { status, headers: [["Content-Type", "application/json; charset=utf-8"], ["ETag", etag], ...headers], body };
}

export function textReply(status: number, text: string, headers: HeaderList = []): HubReply {
  return { status, headers: [["Content-Type", "text/plain; charset=utf-8"], ...headers], body: Buffer.from(text) };
}

/** A relative or absolute redirect with the Hub's plain-text body (fact sheet §1, §3.2). */
export function redirectReply(status: 302 | 307, location: string, headers: HeaderList = []): HubReply {
  const reason = status === 302 ? "Found" : "Temporary Redirect";
  return textReply(status, `${reason}. Redirecting to ${location}`, [["Location", location], ...headers]);
}

export function errorReply(status: number, code: string | undefined, message: string, headers: HeaderList = []): HubReply {
  const errorHeaders: HeaderList = code ? [["X-Error-Code", code]] : [];
  errorHeaders.push(["X-Error-Message", message]);
  return jsonReply(status, { error: message }, [...errorHeaders, ...headers]);
}

export const hubErrors = {
  invalidCredentials: () => errorReply(401, undefined, "Invalid credentials in Authorization header"),
  /** Missing or private repo, anonymous caller: the real Hub's misleading 401 (§4); the code makes it classifiable over http. */
  repoNotFoundAnonymous: () => errorReply(401, "RepoNotFound", "Invalid username or password."),
  repoNotFound: () => errorReply(404, "RepoNotFound", "Repository not found"),
  gatedAnonymous: (type: RepoType, id: string) =>
    errorReply(
      401,
      "GatedRepo",
      `Access to ${type} ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
    ),
  gatedNotApproved: (type: RepoType, id: string, pageUrl: string) =>
    errorReply(
      403,
      "GatedRepo",
      `Access to ${type} ${id} is restricted and you are not in the authorized list. Visit ${pageUrl} to ask for access.`,
    ),
  revisionNotFound: (revision: string) => errorReply(404, "RevisionNotFound", `Invalid rev id: ${revision}`),
  /** Always with X-Repo-Commit: clients cache the absence per commit (§3.3). */
  entryNotFound: (commit: string) => errorReply(404, "EntryNotFound", "Entry not found", [["X-Repo-Commit", commit]]),
  badRequest: (message: string) => errorReply(400, "BadRequest", message),
  pageNotFound: () => errorReply(404, undefined, "Sorry, we can't find the page you are looking for."),
};
