/** Who is calling, and what they may see (fact sheet §4). */
import type { HostedRepo } from "./repo-store.ts";
import { type HubReply, hubErrors } from "./responses.ts";

export type Caller =
  | { readonly kind: "anonymous" }
  | { readonly kind: "invalid" }
  | { readonly kind: "token"; readonly token: string };

/** `Authorization: Bearer <token>`, the scheme matched case-insensitively. */
export function identifyCaller(authorization: string | undefined, validTokens: ReadonlySet<string>): Caller {
  if (authorization === undefined) return { kind: "anonymous" };
  const match = /^bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match || !validTokens.has(match[1]!)) return { kind: "invalid" };
  return { kind: "token", token: match[1]! };
}

export type AccessNeed = "metadata" | "content";

/**
 * The error reply for a caller who may not use `repo`, or undefined when access is granted.
 * Listing and info of a gated repo are public; only its file content is gated.
 */
export function denyAccess(repo: HostedRepo | undefined, caller: Caller, need: AccessNeed, repoPageUrl: string): HubReply | undefined {
  if (caller.kind === "invalid") return hubErrors.invalidCredentials();
  const token = caller.kind === "token" ? caller.token : undefined;
  if (!repo || (repo.private && (token === undefined || !repo.readers.has(token)))) {
    return token === undefined ? hubErrors.repoNotFoundAnonymous() : hubErrors.repoNotFound();
  }
  if (need === "content" && repo.gated) {
    if (token === undefined) return hubErrors.gatedAnonymous(repo.type, repo.id);
    if (!repo.approvedTokens.has(token)) return hubErrors.gatedNotApproved(repo.type, repo.id, repoPageUrl);
  }
  return undefined;
}
