import { join } from "node:path";
import type { ModelSpec } from "../config/types.ts";
import type { RemoteFile } from "../hub/api.ts";
import type { EnsureResult } from "../models/ensure.ts";
import { isCommitSha } from "../models/plan.ts";
import { formatBytes } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import { MirrorError } from "./errors.ts";
import { blobKey, manifestKey, refKey } from "./keys.ts";
import { formatManifest, MANIFEST_LIMIT, manifestOf, parseManifest } from "./manifest.ts";
import type { Mirror } from "./mirror.ts";
import { mirrorFailure, s3ClientError } from "./mirror-response.ts";
import type { HubHttp } from "../hub/http.ts";

/** Files uploaded at once; with PART_SIZE × PARTS_IN_FLIGHT each, at most 64 MiB of parts are in memory. */
const FILES_AT_ONCE = 4;
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export type PushTotals = { uploadedFiles: number; uploadedBytes: number; skippedFiles: number; skippedBytes: number };

/**
 * Uploads one verified model to the mirror: every selected file as a content-addressed blob
 * (skipped when an object of the right size is there already), then the manifest of its commit,
 * then the ref of its revision. Blobs go first, so a reader never finds a manifest whose blobs are missing.
 * `tree` is every file of the repository at the commit (the manifest lists them all, see manifest.ts).
 */
export async function pushModel(mirror: Mirror, spec: ModelSpec, result: EnsureResult, tree: readonly RemoteFile[], http: HubHttp, logger: Logger, signal?: AbortSignal): Promise<PushTotals> {
  const client = mirror.client();
  const totals: PushTotals = { uploadedFiles: 0, uploadedBytes: 0, skippedFiles: 0, skippedBytes: 0 };
  const queue = [...result.snapshot.files].sort((a, b) => b.size - a.size);
  const lane = async () => {
    for (let file = queue.shift(); file && !signal?.aborted; file = queue.shift()) {
      const key = mirror.objectKey(blobKey(file));
      const existing = await statOf(http, mirror, key);
      if (existing?.size === file.size) {
        totals.skippedFiles++;
        totals.skippedBytes += file.size;
        continue;
      }
      // Bun's upload reports no progress: a multipart file gets a line when it starts and one when it is done.
      const large = file.size > PART_SIZE;
      const line = `${spec.id}: ${file.path} (${formatBytes(file.size)}) to ${mirror.display}/${blobKey(file)}`;
      if (large) logger.info(`uploading ${line}`);
      else logger.debug(`uploading ${line}`);
      await client.write(key, Bun.file(join(result.path, ...file.path.split("/"))), { partSize: PART_SIZE, queueSize: PARTS_IN_FLIGHT, retry: 3 }).catch((error: unknown) => {
        throw s3ClientError(error, mirror.display, key) ?? error;
      });
      if (large) logger.info(`uploaded ${line}`);
      totals.uploadedFiles++;
      totals.uploadedBytes += file.size;
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILES_AT_ONCE, queue.length) }, lane));
  signal?.throwIfAborted();

  const repo = { repoId: spec.repoId, repoType: spec.repoType };
  const manifestName = manifestKey(spec.repoType, spec.repoId, result.commit);
  const earlier = await readManifest(client, http, mirror, manifestName, repo, result.commit);
  const stored = result.snapshot.files.map((file) => file.path);
  // Another pusher's selection at the same commit stays listed as stored (its blobs are content-addressed, so still there).
  if (earlier && sameTree(earlier.files.map((file) => file.path), tree.map((file) => file.path))) stored.push(...earlier.stored);
  const manifest = formatManifest(manifestOf(repo, result.commit, tree, stored));
  if (earlier === undefined || formatManifest(earlier) !== manifest) await put(client, mirror, mirror.objectKey(manifestName), manifest, "application/json");
  if (!isCommitSha(spec.revision)) await put(client, mirror, mirror.objectKey(refKey(spec.repoType, spec.repoId, spec.revision)), `${result.commit}\n`, "text/plain");
  return totals;
}

/** Size of an object, by a presigned HEAD (Bun's stat() reports a refused HEAD only as "UnknownError"). */
async function statOf(http: HubHttp, mirror: Mirror, key: string): Promise<{ size: number } | undefined> {
  const { response, watch } = await http.send(mirror.client().presign(key, { method: "HEAD", expiresIn: 900 }), { method: "HEAD", what: `${mirror.display}/${key}` });
  try {
    if (response.ok) return { size: Number(response.headers.get("content-length") ?? -1) };
    const failure = await mirrorFailure(response, mirror.display, key);
    if (failure) throw failure;
    return undefined;
  } finally {
    watch.release();
  }
}

async function readManifest(client: Bun.S3Client, http: HubHttp, mirror: Mirror, name: string, repo: { repoId: string; repoType: ModelSpec["repoType"] }, commit: string) {
  const key = mirror.objectKey(name);
  const stat = await statOf(http, mirror, key);
  if (!stat) return undefined;
  if (stat.size > MANIFEST_LIMIT) throw new MirrorError(`${mirror.display}/${name} is ${stat.size} bytes, more than a manifest can be`);
  const text = await client.file(key).text();
  return parseManifest(text, `${mirror.display}/${name}`, { ...repo, commit });
}

async function put(client: Bun.S3Client, mirror: Mirror, key: string, text: string, type: string): Promise<void> {
  try {
    await client.write(key, text, { type });
  } catch (error) {
    throw s3ClientError(error, mirror.display, key) ?? error;
  }
}

function sameTree(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return a.length === b.length && b.every((path) => set.has(path));
}
