/**
 * The one shape of every command's `--json` output (schema version 1), the single source of truth:
 * the commands build values of these types, `src/output/json-output.schema.json` is generated from
 * it (`bun run schema`), and the tests validate every command's output against it.
 *
 * To add a field: add it here, run `bun run schema`, commit both. Objects are open (a reader of
 * version 1 ignores fields it does not know); removing or renaming a field bumps SCHEMA_VERSION.
 */
import * as v from "valibot";
import { GIT_OBJECT_ID } from "../hub/object-id.ts";

export const SCHEMA_VERSION = 1 as const;

const describe = <T extends v.GenericSchema>(schema: T, text: string) => v.pipe(schema, v.description(text));

const verifyLevel = describe(v.picklist(["none", "size", "sha256"]), "verification level: none, size or sha256");
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const commit = describe(v.pipe(v.string(), v.regex(GIT_OBJECT_ID)), "the 40-hex commit the files are taken from");

/** Any model that did not succeed, in every command: what failed and the exit code it would give alone. */
const failureFields = {
  id: describe(v.string(), "model id from the configuration"),
  ok: v.literal(false),
  exitCode: describe(v.pipe(v.number(), v.integer()), "the exit code this failure gives (see the README's Exit codes)"),
  code: describe(v.string(), "stable error code, e.g. NOT_FOUND, ACCESS_DENIED, BAD_CHECKSUM, NOT_CACHED"),
  message: describe(v.string(), "what went wrong, for people"),
};
export const modelFailure = v.object(failureFields);

const plannedFile = v.object({ path: v.string(), size: count });
const action = describe(
  v.picklist(["cached", "verified", "repair", "fetch", "update"]),
  "what the run does: nothing, re-check files on disk, repair files, plan from the Hub, or (--refresh) follow a branch or tag that moved",
);
const previousCommit = describe(v.optional(commit), "for an update: the commit the model was at before");
const source = describe(v.optional(v.picklist(["hub", "mirror"])), "where the model's files were last downloaded from (absent when the cache does not record it)");
const mirror = describe(v.optional(v.string()), "with source mirror: the mirror's URL (s3://bucket/prefix or https://…)");

const downloadSuccess = v.object({
  id: v.string(),
  ok: v.literal(true),
  path: describe(v.string(), "absolute folder of the model's files"),
  repoId: v.string(),
  revision: describe(v.string(), "the configured revision (branch, tag or commit)"),
  commit,
  previousCommit,
  action,
  files: describe(count, "files of the model in the cache"),
  bytes: describe(count, "their total size"),
  downloadedFiles: count,
  downloadedBytes: count,
  reusedBytes: describe(v.optional(count), "of downloadedBytes, those copied from Xet chunks already in the cache instead of fetched (absent when none)"),
  verify: describe(verifyLevel, "the level every file is verified at"),
  defaultExcluded: describe(v.array(v.string()), "files the default exclude list left out (exclude: [] keeps them)"),
  source,
  mirror,
});

const dryRunSuccess = v.object({
  id: v.string(),
  ok: v.literal(true),
  path: v.string(),
  repoId: v.string(),
  revision: v.string(),
  commit,
  previousCommit,
  action,
  download: describe(v.array(plannedFile), "files a run would fetch"),
  downloadBytes: count,
  keep: describe(count, "files already in place and good"),
  remove: describe(v.array(v.string()), "files a run would delete (no longer selected)"),
  defaultExcluded: v.array(v.string()),
});

const listSuccess = v.object({
  id: v.string(),
  ok: v.literal(true),
  path: v.string(),
  repoId: v.string(),
  repoType: v.picklist(["model", "dataset", "space"]),
  revision: v.string(),
  commit: describe(v.nullable(commit), "recorded commit; null when the model was never downloaded"),
  status: describe(v.picklist(["cached", "modified", "outdated", "partial", "missing"]), "cache status"),
  files: describe(count, "files recorded in the index"),
  changedFiles: count,
  partialFiles: count,
  problem: describe(v.optional(v.string()), "layout hf: why a model whose files are untouched is not cached (refs/<revision> missing, not exactly a commit, or naming a commit with no snapshot); the next run rewrites the ref"),
  bytes: describe(count, "bytes on disk in the model's folder"),
  verify: describe(verifyLevel, "the configured level"),
  verifiedAt: v.nullable(v.string()),
  verifiedLevel: v.nullable(verifyLevel),
  upstreamCommit: describe(v.optional(v.nullable(commit)), "with --refresh: where the branch or tag points on the Hub now; null when pinned to a commit or not downloaded"),
  behind: describe(v.optional(v.boolean()), "with --refresh: the recorded commit is not the one the branch or tag points at now"),
  source,
  mirror,
});

const verificationFailure = v.object({
  path: v.string(),
  reason: v.picklist(["missing", "not-a-file", "size", "sha256", "git-sha1"]),
  expected: v.optional(v.union([v.string(), count])),
  actual: v.optional(v.union([v.string(), count])),
});

const verifySuccess = v.object({
  id: v.string(),
  ok: v.literal(true),
  path: v.string(),
  commit,
  verify: verifyLevel,
  files: count,
  bytes: count,
});

const verifyFailure = v.object({
  ...failureFields,
  path: v.string(),
  commit: describe(v.optional(commit), "the recorded commit, when the model is recorded at all"),
  verify: verifyLevel,
  status: describe(v.picklist(["failed", "not-cached"]), "failed: a file is bad; not-cached: nothing recorded for this configuration"),
  files: count,
  bytes: count,
  failures: describe(v.array(verificationFailure), "every bad file"),
});

const cleanSuccess = v.object({
  id: v.string(),
  ok: v.literal(true),
  removed: describe(v.array(v.string()), "absolute paths removed (with dryRun: that would be)"),
  bytes: count,
  indexed: describe(v.boolean(), "the index had an entry for the model (of this configuration file)"),
  wasEmpty: describe(v.boolean(), "nothing of the model was in the cache"),
  left: describe(v.array(v.string()), "folders where the model would live, left as they are: the index does not record them and model-manager did not write them"),
  keptFor: describe(v.array(v.string()), "other configuration files that recorded this model id: what they recorded stays"),
});

const cacheKeyModel = v.object({
  id: v.string(),
  ok: v.literal(true),
  repoId: v.string(),
  repoType: v.picklist(["model", "dataset", "space"]),
  revision: v.string(),
});

const lockSuccess = v.object({
  ...cacheKeyModel.entries,
  commit,
  files: describe(count, "files pinned for the model"),
  resolved: describe(v.boolean(), "true: resolved from the Hub by this run; false: the lock already pinned it"),
});

const pushedBlob = v.object({
  path: describe(v.string(), "the file's path in the model"),
  key: describe(v.string(), "the blob's key under the mirror's prefix: blobs/sha256/<hex> (LFS) or blobs/git-sha1/<hex>"),
  size: count,
  sameAs: describe(v.optional(v.string()), "in skipped: the path of another file of the model with the same content, whose blob this file shares (uploaded or found once)"),
});

const pushSuccess = v.object({
  ...cacheKeyModel.entries,
  commit,
  uploadedFiles: count,
  uploadedBytes: count,
  skippedFiles: describe(count, "files not uploaded: their blob was in the mirror with the right size already, or another file of the model has the same content (sameAs)"),
  skippedBytes: count,
  uploaded: describe(v.array(pushedBlob), "the blobs this push uploaded"),
  skipped: describe(v.array(pushedBlob), "the files whose blob was there already or is another file's (sameAs)"),
  manifest: describe(v.string(), "key of the commit's manifest under the prefix: manifests/<repo_type>/<repo_id>/<commit>.json"),
  manifestWritten: describe(v.boolean(), "false: an identical manifest was there already"),
  ref: describe(v.optional(v.string()), "key of the ref written for the branch or tag (refs/<repo_type>/<repo_id>/<revision>); absent when the revision is a commit"),
});

/** Fields every command's output starts with. `error` is set when the run failed before any model (usage, configuration). */
const common = {
  schemaVersion: v.literal(SCHEMA_VERSION),
  ok: describe(v.boolean(), "every model succeeded and exitCode is 0"),
  exitCode: describe(v.pipe(v.number(), v.integer()), "the process exit code"),
  error: v.optional(v.object({ code: v.string(), message: v.string() })),
};

/** One result per selected model, in configuration order. */
const results = <T extends v.GenericSchema>(item: T) => describe(v.array(item), "one result per selected model, in configuration order");

export const downloadOutput = v.object({ ...common, command: v.literal("download"), cacheDir: v.string(), models: results(v.union([downloadSuccess, modelFailure])) });
export const dryRunOutput = v.object({ ...common, command: v.literal("dry-run"), cacheDir: v.string(), models: results(v.union([dryRunSuccess, modelFailure])) });
export const listOutput = v.object({ ...common, command: v.literal("list"), cacheDir: v.string(), models: results(v.union([listSuccess, modelFailure])) });
export const verifyOnlyOutput = v.object({ ...common, command: v.literal("verify-only"), cacheDir: v.string(), models: results(v.union([verifySuccess, verifyFailure, modelFailure])) });
const cleanFields = { dryRun: v.boolean(), bytes: describe(count, "bytes freed (with dryRun: that would be)"), cacheDir: v.string(), models: results(v.union([cleanSuccess, modelFailure])) };
export const cleanOutput = v.object({ ...common, command: v.literal("clean"), ...cleanFields });
export const cleanModelOutput = v.object({ ...common, command: v.literal("clean-model"), ...cleanFields });
export const cacheKeyOutput = v.object({
  ...common,
  command: v.literal("cache-key"),
  cacheDir: v.string(),
  cacheKey: describe(v.string(), "model-manager-v1-<hash>, for actions/cache and similar"),
  models: results(cacheKeyModel),
});
export const lockOutput = v.object({
  ...common,
  command: v.literal("lock"),
  lockFile: describe(v.string(), "absolute path of the committed lock (written only when every model resolved)"),
  written: describe(v.boolean(), "the lock file was written (false: unchanged, or a model failed)"),
  models: results(v.union([lockSuccess, modelFailure])),
});
export const pushOutput = v.object({
  ...common,
  command: v.literal("push"),
  mirror: describe(v.string(), "the mirror pushed to (s3://bucket/prefix)"),
  cacheDir: v.string(),
  models: results(v.union([pushSuccess, modelFailure])),
});
/** `--json --version`: the build, in the same envelope (no model). */
export const versionOutput = v.object({
  ...common,
  command: v.literal("version"),
  version: describe(v.string(), "model-manager's version (package.json's at build time)"),
  commit: describe(v.string(), "the commit it was built from (short hash, -dirty when the tree had changes)"),
  models: describe(v.pipe(v.array(v.unknown()), v.length(0)), "always empty"),
});
/** A run that failed before it reached any model: a usage or configuration error. */
export const failedRunOutput = v.object({
  ...common,
  command: v.picklist(["download", "dry-run", "list", "verify-only", "clean", "clean-model", "cache-key", "lock", "push"]),
  ok: v.literal(false),
  error: v.object({ code: v.string(), message: v.string() }),
  models: describe(v.pipe(v.array(v.unknown()), v.length(0)), "no model was reached"),
});

export const jsonOutput = v.pipe(
  v.union([downloadOutput, dryRunOutput, listOutput, verifyOnlyOutput, cleanOutput, cleanModelOutput, cacheKeyOutput, lockOutput, pushOutput, versionOutput, failedRunOutput]),
  v.title("model-manager --json output"),
  v.description(`What every model-manager command prints on stdout with --json (schemaVersion ${SCHEMA_VERSION}).`),
);

export type ModelFailure = v.InferOutput<typeof modelFailure>;
export type DownloadOutput = v.InferOutput<typeof downloadOutput>;
export type DryRunOutput = v.InferOutput<typeof dryRunOutput>;
export type ListOutput = v.InferOutput<typeof listOutput>;
export type VerifyOnlyOutput = v.InferOutput<typeof verifyOnlyOutput>;
export type CleanOutput = v.InferOutput<typeof cleanOutput> | v.InferOutput<typeof cleanModelOutput>;
export type CacheKeyOutput = v.InferOutput<typeof cacheKeyOutput>;
export type LockOutput = v.InferOutput<typeof lockOutput>;
export type PushOutput = v.InferOutput<typeof pushOutput>;
export type VersionOutput = v.InferOutput<typeof versionOutput>;
export type FailedRunOutput = v.InferOutput<typeof failedRunOutput>;
export type JsonOutput = v.InferOutput<typeof jsonOutput>;
