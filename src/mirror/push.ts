import { join } from "node:path";
import type { ModelSpec } from "../config/types.ts";
import type { RemoteFile } from "../hub/api.ts";
import { isCommitSha } from "../hub/object-id.ts";
import type { EnsureResult } from "../models/ensure.ts";
import { inLanes } from "../models/in-lanes.ts";
import type { TransferObserver } from "../transfer/observer.ts";
import { MirrorError } from "./errors.ts";
import { blobKey, manifestKey, refKey } from "./keys.ts";
import { formatManifest, MANIFEST_LIMIT, manifestOf, parseManifest } from "./manifest.ts";
import type { Mirror } from "./mirror.ts";
import { mirrorFailure, s3ClientError } from "./mirror-response.ts";
import type { HubHttp } from "../hub/http.ts";
import { uploadBlob } from "./upload-blob.ts";

/** Files stat'ed or uploaded at once; with PART_SIZE × PARTS_IN_FLIGHT each (upload-blob.ts), at most 64 MiB of parts are in memory. */
const FILES_AT_ONCE = 4;

/**
 * One file of the model as a blob of the mirror: its path in the model, its key under the mirror's prefix, its size;
 * `sameAs`: another file of the model with the same content, whose blob this file shares (not uploaded again).
 */
export type PushedBlob = { readonly path: string; readonly key: string; readonly size: number; readonly sameAs?: string };

/** What one model's push did: blobs uploaded and skipped (already there with the right size), the manifest and ref keys. */
export type PushReport = {
  readonly uploaded: readonly PushedBlob[];
  readonly skipped: readonly PushedBlob[];
  readonly manifest: { readonly key: string; readonly written: boolean };
  /** The ref written for a branch or tag; none when the revision is a commit. */
  readonly ref?: string;
};

/**
 * Uploads one verified model to the mirror: every selected file as a content-addressed blob
 * (skipped when an object of the right size is there already), then the manifest of its commit,
 * then the ref of its revision. Blobs go first, so a reader never finds a manifest whose blobs are missing.
 * `tree` is every file of the repository at the commit (the manifest lists them all, see manifest.ts).
 * Uploads report their bytes to `observer`, as downloads do.
 */
export async function pushModel(
  mirror: Mirror,
  spec: ModelSpec,
  result: EnsureResult,
  tree: readonly RemoteFile[],
  http: HubHttp,
  observer: TransferObserver,
  signal?: AbortSignal,
): Promise<PushReport> {
  const client = mirror.client();
  const { blobs, copies } = oneFilePerBlob([...result.snapshot.files].sort((a, b) => b.size - a.size));
  const present = await inLanes(blobs, FILES_AT_ONCE, async (file) => (await statOf(http, mirror, blobKey(file)))?.size === file.size, signal);
  signal?.throwIfAborted();
  const blobOf = (file: RemoteFile): PushedBlob => ({ path: file.path, key: blobKey(file), size: file.size });
  const toUpload = blobs.filter((_, index) => !present[index]);
  const skipped = [...blobs.filter((_, index) => present[index]).map(blobOf), ...copies.map(({ file, sameAs }) => ({ ...blobOf(file), sameAs: sameAs.path }))];
  observer.modelPlanned(spec.id, { files: toUpload.length, bytes: toUpload.reduce((sum, file) => sum + file.size, 0) });
  await inLanes(
    toUpload,
    FILES_AT_ONCE,
    async (file) => {
      const name = blobKey(file);
      const progress = observer.fileStarted(spec.id, file.path, { size: file.size, resumedBytes: 0, ranged: false });
      try {
        await uploadBlob(client, mirror.objectKey(name), join(result.path, ...file.path.split("/")), progress, signal);
      } catch (error) {
        progress.failed();
        if (signal?.aborted) throw signal.reason;
        throw s3ClientError(error, mirror.display, name) ?? error;
      }
      progress.finished();
    },
    signal,
  );
  observer.modelFinished(spec.id);
  signal?.throwIfAborted();

  const repo = { repoId: spec.repoId, repoType: spec.repoType };
  const manifestName = manifestKey(spec.repoType, spec.repoId, result.commit);
  const earlier = await readManifest(client, http, mirror, manifestName, repo, result.commit);
  const stored = result.snapshot.files.map((file) => file.path);
  // Another pusher's selection at the same commit stays listed as stored (its blobs are content-addressed, so still there).
  if (earlier && sameTree(earlier.files.map((file) => file.path), tree.map((file) => file.path))) stored.push(...earlier.stored);
  const manifest = formatManifest(manifestOf(repo, result.commit, tree, stored));
  const writeManifest = earlier === undefined || formatManifest(earlier) !== manifest;
  if (writeManifest) await put(client, mirror, manifestName, manifest, "application/json");
  const ref = isCommitSha(spec.revision) ? undefined : refKey(spec.repoType, spec.repoId, spec.revision);
  if (ref !== undefined) await put(client, mirror, ref, `${result.commit}\n`, "text/plain");
  return { uploaded: toUpload.map(blobOf), skipped, manifest: { key: manifestName, written: writeManifest }, ...(ref !== undefined ? { ref } : {}) };
}

/**
 * Files with the same content have the same key: the first (the order is kept) stands for the blob,
 * so it is looked up and uploaded once; the others are copies of it.
 */
function oneFilePerBlob(files: readonly RemoteFile[]): { blobs: RemoteFile[]; copies: { file: RemoteFile; sameAs: RemoteFile }[] } {
  const first = new Map<string, RemoteFile>();
  const copies: { file: RemoteFile; sameAs: RemoteFile }[] = [];
  for (const file of files) {
    const key = blobKey(file);
    const holder = first.get(key);
    if (holder) copies.push({ file, sameAs: holder });
    else first.set(key, file);
  }
  return { blobs: [...first.values()], copies };
}

/** Size of the object `name` (relative to the prefix), by a presigned HEAD (Bun's stat() reports a refused HEAD only as "UnknownError"). */
async function statOf(http: HubHttp, mirror: Mirror, name: string): Promise<{ size: number } | undefined> {
  const { response, watch } = await http.send(mirror.client().presign(mirror.objectKey(name), { method: "HEAD", expiresIn: 900 }), { method: "HEAD", what: `${mirror.display}/${name}` });
  try {
    if (response.ok) return { size: Number(response.headers.get("content-length") ?? -1) };
    const failure = await mirrorFailure(response, mirror.display, name);
    if (failure) throw failure;
    return undefined;
  } finally {
    watch.release();
  }
}

async function readManifest(client: Bun.S3Client, http: HubHttp, mirror: Mirror, name: string, repo: { repoId: string; repoType: ModelSpec["repoType"] }, commit: string) {
  const stat = await statOf(http, mirror, name);
  if (!stat) return undefined;
  if (stat.size > MANIFEST_LIMIT) throw new MirrorError(`${mirror.display}/${name} is ${stat.size} bytes, more than a manifest can be`);
  const text = await client.file(mirror.objectKey(name)).text();
  return parseManifest(text, `${mirror.display}/${name}`, { ...repo, commit });
}

/** Writes the object `name` (relative to the prefix). */
async function put(client: Bun.S3Client, mirror: Mirror, name: string, text: string, type: string): Promise<void> {
  try {
    await client.write(mirror.objectKey(name), text, { type });
  } catch (error) {
    throw s3ClientError(error, mirror.display, name) ?? error;
  }
}

function sameTree(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((path) => set.has(path));
}
