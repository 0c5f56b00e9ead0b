import * as v from "valibot";
import { DownloadError } from "../errors.ts";
import type { Logger } from "../output/logger.ts";
import type { RemoteFile } from "./api.ts";
import { FILE_SIZE, GIT_OBJECT_ID } from "./object-id.ts";
import { cleanServerText } from "./server-text.ts";

/** Any entry: what every kind shares. Extra fields are ignored (valibot's object drops unknown keys). */
const EntrySchema = v.object({ type: v.string(), path: v.string() });

const FileEntrySchema = v.object({
  path: v.string(),
  oid: v.pipe(v.string(), v.regex(GIT_OBJECT_ID)),
  size: FILE_SIZE,
  // Only recorded (in the committed lock), never used to fetch: an unexpected form is dropped rather than failing the listing.
  xetHash: v.fallback(v.nullish(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))), undefined),
  // Mirrors and older Hub versions send `lfs: null` for regular files.
  lfs: v.nullish(
    v.object({
      oid: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
      size: FILE_SIZE,
    }),
  ),
});

/**
 * The files of a tree listing, gathered page by page. Entries of kinds it
 * does not know are skipped (said with -v); a path listed twice is kept once
 * when both say the same content, and refused when they do not.
 */
export class TreeListing {
  private readonly files = new Map<string, RemoteFile>();
  private readonly paths = new Set<string>();
  private readonly skippedKinds = new Map<string, { count: number; example: string }>();

  constructor(private readonly repoId: string) {}

  /** Adds one page; returns how many of its paths were not listed before. */
  addPage(body: unknown, page: number): number {
    if (!Array.isArray(body)) throw this.malformed(page, `expected a JSON array, got ${body === null ? "null" : typeof body}`);
    let fresh = 0;
    for (const [index, raw] of body.entries()) {
      const entry = v.safeParse(EntrySchema, raw);
      if (!entry.success) throw this.malformed(page, `entry ${index}: ${entry.issues[0]?.message}`);
      const { type, path } = entry.output;
      if (!this.paths.has(path)) fresh++;
      this.paths.add(path);
      if (type === "directory") continue;
      if (type !== "file") {
        const skipped = this.skippedKinds.get(type) ?? { count: 0, example: path };
        skipped.count++;
        this.skippedKinds.set(type, skipped);
        continue;
      }
      const file = v.safeParse(FileEntrySchema, raw);
      if (!file.success) throw this.malformed(page, `entry ${index} (${JSON.stringify(cleanServerText(path, 200))}): ${file.issues[0]?.message}`);
      const { oid, size, lfs, xetHash } = file.output;
      this.addFile({ path, size: lfs?.size ?? size, oid, lfsSha256: lfs?.oid, ...(xetHash ? { xetHash } : {}) });
    }
    return fresh;
  }

  /** Every file listed, after the -v notes about what was skipped. */
  finish(logger: Logger): RemoteFile[] {
    for (const [type, { count, example }] of this.skippedKinds) {
      logger.debug(
        `${this.repoId}: skipped ${count} listing entr${count === 1 ? "y" : "ies"} of unknown type ${JSON.stringify(cleanServerText(type, 40))} (for example ${JSON.stringify(cleanServerText(example, 200))})`,
      );
    }
    return [...this.files.values()];
  }

  private addFile(file: RemoteFile): void {
    const earlier = this.files.get(file.path);
    if (!earlier) {
      this.files.set(file.path, file);
      return;
    }
    if (earlier.oid === file.oid && earlier.size === file.size && earlier.lfsSha256 === file.lfsSha256) return;
    throw new DownloadError(
      `The Hub's file listing of ${this.repoId} lists ${JSON.stringify(cleanServerText(file.path, 200))} twice with different content (oid ${earlier.oid}, then ${file.oid}); refusing to guess which one to download`,
    );
  }

  private malformed(page: number, detail: string): DownloadError {
    return new DownloadError(`The Hub's file listing of ${this.repoId} (page ${page}) is malformed: ${cleanServerText(detail)}`);
  }
}
