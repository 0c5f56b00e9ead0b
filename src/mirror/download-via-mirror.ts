import { describeError } from "../hub/retrying.ts";
import type { Logger } from "../output/logger.ts";
import type { FileJob, PlacedFile } from "../transfer/download-file.ts";
import { MirrorAccessError } from "./errors.ts";
import { blobKey } from "./keys.ts";
import type { Mirror } from "./mirror.ts";
import { mirrorFileSource } from "./mirror-file-source.ts";

export type MirroredDownload = { readonly placed: PlacedFile[]; readonly from: "mirror" | "hub" };

/**
 * Fetches the jobs' files from the mirror, each checked by sha256 or git blob SHA-1 whatever the
 * configured level (a mirror is never trusted more than the Hub). When the mirror fails the model
 * (a blob missing, its bytes wrong and quarantined, the store down), the files come from the Hub
 * instead; a refusal of the credentials is not worked around: it is a configuration to fix.
 */
export async function downloadViaMirror(
  mirror: Mirror,
  modelId: string,
  jobs: readonly FileJob[],
  download: (jobs: readonly FileJob[]) => Promise<PlacedFile[]>,
  context: { readonly logger: Logger; readonly signal?: AbortSignal },
): Promise<MirroredDownload> {
  const fromMirror = jobs.map((job): FileJob => ({ ...job, level: "sha256", source: mirrorFileSource(mirror, blobKey(job.file), `"${job.file.path}" of ${modelId} in mirror ${mirror.display}`) }));
  try {
    return { placed: await download(fromMirror), from: "mirror" };
  } catch (error) {
    if (context.signal?.aborted || error instanceof MirrorAccessError) throw error;
    context.logger.warn(`${modelId}: the mirror ${mirror.display} could not serve it (${describeError(error)}); downloading it from the Hub instead`);
  }
  return { placed: await download(jobs), from: "hub" };
}
