import type { ModelSpec } from "../config/types.ts";
import type { HubHttp } from "../hub/http.ts";
import { isCommitSha } from "../hub/object-id.ts";
import { LockMismatchError } from "../lockfile/errors.ts";
import { type PinnedSnapshot, type RemoteSnapshot, selectSnapshot } from "../models/plan.ts";
import type { Logger } from "../output/logger.ts";
import { ModelManagerError } from "../errors.ts";
import { cleanServerText } from "../hub/server-text.ts";
import { MirrorError, MirrorSetupError } from "./errors.ts";
import { manifestKey, refKey } from "./keys.ts";
import { filesOf, MANIFEST_LIMIT, type MirrorManifest, parseManifest } from "./manifest.ts";
import type { Mirror } from "./mirror.ts";
import { serverSaid } from "./mirror-response.ts";

const REF_LIMIT = 1024;

export type MirrorHit = { readonly mirror: Mirror; readonly snapshot: RemoteSnapshot };

type Lookup = { readonly http: HubHttp; readonly logger: Logger; readonly signal?: AbortSignal; warnOnce(message: string): void };

/**
 * The first mirror that holds every file the spec selects at the wanted commit: the locked one
 * (`pin`), the one the Hub was just asked for (`resolved`, with --refresh), the configured commit,
 * or else the one the mirror's ref for the revision names. Undefined when no mirror has it all.
 */
export async function findInMirrors(
  mirrors: readonly Mirror[],
  spec: ModelSpec,
  pin: PinnedSnapshot | undefined,
  resolved: string | undefined,
  lookup: Lookup,
): Promise<MirrorHit | undefined> {
  const lacking: Mirror[] = [];
  for (const mirror of mirrors) {
    try {
      const hit = await lookIn(mirror, spec, pin, resolved, lookup);
      if (hit) return hit;
      lacking.push(mirror);
    } catch (error) {
      // A mirror is never trusted more than the Hub: whatever it answered, the Hub is asked instead.
      // A mirror configured wrong (like one refusing the credentials) is for the user to fix.
      if (!(error instanceof MirrorError) || error instanceof MirrorSetupError || lookup.signal?.aborted) throw error;
      lookup.warnOnce(`${serverSaid(error.message, 1000)}; using the Hub instead`);
    }
  }
  if (lacking.length > 0) lookup.logger.info(`${spec.id}: not in ${lacking.length === 1 ? "the mirror" : "any mirror"} (${lacking.map((mirror) => mirror.display).join(", ")}); downloading it from the Hub`);
  return undefined;
}

async function lookIn(mirror: Mirror, spec: ModelSpec, pin: PinnedSnapshot | undefined, resolved: string | undefined, lookup: Lookup): Promise<MirrorHit | undefined> {
  const commit = pin?.commit ?? resolved ?? (isCommitSha(spec.revision) ? spec.revision : await readRef(mirror, spec, lookup));
  if (!commit) return undefined;
  const key = manifestKey(spec.repoType, spec.repoId, commit);
  const text = await mirror.readText(lookup.http, key, MANIFEST_LIMIT, lookup.signal);
  if (text === undefined) return undefined;
  const manifest = parseManifest(text, `${mirror.display}/${key}`, { repoId: spec.repoId, repoType: spec.repoType, commit });
  const snapshot = pin ? checkedAgainstLock(manifest, pin, spec, `${mirror.display}/${key}`) : selectFromManifest(spec, commit, manifest, `${mirror.display}/${key}`, lookup.logger);
  const stored = new Set(manifest.stored);
  const lacking = snapshot.files.filter((file) => !stored.has(file.path));
  if (lacking.length > 0) {
    lookup.logger.debug(`${spec.id}: mirror ${mirror.display} lacks ${lacking.length} selected file(s) at ${commit.slice(0, 12)}, e.g. ${lacking[0]?.path}`);
    return undefined;
  }
  lookup.logger.debug(`${spec.id}: found at ${commit.slice(0, 12)} in mirror ${mirror.display}`);
  return { mirror, snapshot };
}

/** The manifest's files the spec selects; what the selection finds wrong with them is the manifest's fault, for the Hub to settle. */
function selectFromManifest(spec: ModelSpec, commit: string, manifest: MirrorManifest, shownAs: string, logger: Logger): RemoteSnapshot {
  try {
    return selectSnapshot(spec, commit, filesOf(manifest), logger);
  } catch (error) {
    if (error instanceof ModelManagerError) throw new MirrorError(`${shownAs}: ${error.message}`, { cause: error });
    throw error;
  }
}

async function readRef(mirror: Mirror, spec: ModelSpec, lookup: Lookup): Promise<string | undefined> {
  const key = refKey(spec.repoType, spec.repoId, spec.revision);
  const text = await mirror.readText(lookup.http, key, REF_LIMIT, lookup.signal);
  if (text === undefined) return undefined;
  const commit = text.trim();
  if (!isCommitSha(commit)) throw new MirrorError(`${mirror.display}/${key}: expected a 40-hex commit, found ${JSON.stringify(cleanServerText(commit, 60))}`);
  return commit;
}

/** The lock is the trust root: a manifest that says otherwise about a locked file is refused, not used. */
function checkedAgainstLock(manifest: MirrorManifest, pin: PinnedSnapshot, spec: ModelSpec, shownAs: string): PinnedSnapshot {
  const listed = new Map(filesOf(manifest).map((file) => [file.path, file]));
  for (const file of pin.files) {
    const mirrored = listed.get(file.path);
    if (!mirrored || mirrored.size !== file.size || (mirrored.lfsSha256 ?? mirrored.oid) !== (file.lfsSha256 ?? file.oid)) {
      const said = mirrored ? `${mirrored.size} bytes, ${mirrored.lfsSha256 ?? mirrored.oid}` : "no such file";
      throw new LockMismatchError(
        `Model "${spec.id}": the mirror manifest ${shownAs} disagrees with the lock ${pin.source} about "${file.path}" (lock: ${file.size} bytes, ${file.lfsSha256 ?? file.oid}; mirror: ${said}); the mirror is not used for this model. Check who pushed to the mirror.`,
      );
    }
  }
  return pin;
}
