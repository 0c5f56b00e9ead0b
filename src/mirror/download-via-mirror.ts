import { BadChecksumError, describeVerificationFailure, SizeMismatchError } from "../errors.ts";
import { describeError } from "../hub/retrying.ts";
import type { Logger } from "../output/logger.ts";
import type { ByteSource } from "../transfer/byte-source.ts";
import type { FileJob, PlacedFile } from "../transfer/download-file.ts";
import { MirrorAccessError, MirrorBlobError, MirrorError } from "./errors.ts";
import { blobKey } from "./keys.ts";
import type { Mirror } from "./mirror.ts";
import { mirrorFileSource } from "./mirror-file-source.ts";

/** `from`: "mirror" when the mirror delivered every file, "hub" when any of them came from the Hub. */
export type MirroredDownload = { readonly placed: PlacedFile[]; readonly from: "mirror" | "hub" };

/**
 * Fetches the jobs' files from the mirror, each checked by sha256 or git blob SHA-1 whatever the
 * configured level (a mirror is never trusted more than the Hub). A file the mirror cannot deliver
 * verified (its blob missing or the wrong size, or its bytes wrong and quarantined) comes from the Hub instead; after
 * any other failure (the store down) the rest of the model does. Files the mirror delivered stay.
 * A refusal of the credentials is not worked around: it is a configuration to fix.
 */
export async function downloadViaMirror(
  mirror: Mirror,
  modelId: string,
  jobs: readonly FileJob[],
  download: (jobs: readonly FileJob[]) => Promise<PlacedFile[]>,
  context: { readonly logger: Logger },
): Promise<MirroredDownload> {
  const fallback = new HubFallback(mirror, modelId, context.logger);
  const placed = await download(jobs.map((job) => fallback.viaMirror(job)));
  return { placed, from: fallback.used ? "hub" : "mirror" };
}

/** Which of a model's files still go to the mirror, and the one message per reason for those that do not. */
class HubFallback {
  used = false;
  /** Set once the mirror failed in a way that is not one blob's fault: the model's remaining files skip it. */
  private failed: string | undefined;

  constructor(
    private readonly mirror: Mirror,
    private readonly modelId: string,
    private readonly logger: Logger,
  ) {}

  viaMirror(job: FileJob): FileJob {
    const fromMirror = mirrorFileSource(this.mirror, blobKey(job.file), `"${job.file.path}" of ${this.modelId} in mirror ${this.mirror.display}`);
    return {
      ...job,
      level: "sha256",
      source: (http) => (this.failed === undefined ? fromMirror(http) : skipped(this.failed)),
      otherwise: (failure) => this.instead(job, failure),
    };
  }

  private instead(job: FileJob, failure: unknown): FileJob | undefined {
    if (failure instanceof MirrorAccessError) return undefined;
    this.used = true;
    const { display } = this.mirror;
    if (this.failed !== undefined) {
      this.logger.debug(`${this.modelId}: ${job.file.path}: from the Hub (the mirror ${display} failed earlier)`);
    } else if (isBlobFault(failure)) {
      this.logger.warn(`${this.modelId}: the mirror ${display} could not serve ${job.file.path} (${describeBlobFault(failure)}); downloading that file from the Hub instead`);
    } else {
      this.failed = describeError(failure);
      this.logger.warn(`${this.modelId}: the mirror ${display} failed (${this.failed}); downloading the rest of the model from the Hub instead`);
    }
    return job;
  }
}

/** The blob's own fault (missing, the wrong size, the wrong bytes), not the mirror's: the model's other files still come from it. */
function isBlobFault(failure: unknown): boolean {
  return failure instanceof BadChecksumError || failure instanceof MirrorBlobError || failure instanceof SizeMismatchError;
}

function describeBlobFault(failure: unknown): string {
  return failure instanceof BadChecksumError ? failure.failures.map(describeVerificationFailure).join("; ") : describeError(failure);
}

/** The source of a file the mirror is no longer asked for: it fails at once, so the file goes to the Hub. */
function skipped(reason: string): ByteSource {
  const refuse = () => Promise.reject(new MirrorError(`not asked: the mirror failed earlier (${reason})`));
  return { locate: refuse, open: refuse };
}
