/**
 * Deliberate bugs the suite must catch. Each is described by what it breaks and found by a
 * pattern in the source, not by a line number, so it survives refactoring; when a pattern no
 * longer matches exactly once, `bun run mutation` (and tests/mutation/mutations.test.ts) fail
 * and the pattern must be updated to the code that now does the job.
 */

export type Edit = {
  /** Repository-relative path of the source file. */
  readonly file: string;
  /** Exact text that must occur exactly once in the file. */
  readonly find: string;
  readonly replace: string;
};

export type Mutation = {
  readonly name: string;
  /** What a user would lose if this bug shipped. */
  readonly breaks: string;
  readonly edits: readonly Edit[];
  /** The test files that must catch it, and optionally a `bun test -t` name filter. */
  readonly tests: readonly string[];
  readonly filter?: string;
};

export const MUTATIONS: readonly Mutation[] = [
  {
    name: "index-written-in-place",
    breaks: "the cache index is rewritten in place: a concurrent reader (or a crash) sees it half-written",
    edits: [{ file: "src/cache/index-file.ts", find: "  writeFileAtomic(path, text);", replace: '  require("node:fs").writeFileSync(path, text);' }],
    tests: ["tests/cache/atomic-write.test.ts"],
  },
  {
    name: "atomic-write-in-place",
    breaks: "the atomic-write helper (resume state, index) writes the file in place instead of temp + rename",
    edits: [
      { file: "src/cache/atomic-write.ts", find: 'const fd = openSync(temp, "wx", mode);', replace: 'const fd = openSync(path, "w", mode);' },
      { file: "src/cache/atomic-write.ts", find: "    renameSync(temp, path);", replace: "" },
    ],
    tests: ["tests/cache/atomic-write.test.ts"],
  },
  {
    name: "resume-trusts-state-beyond-part",
    breaks: "resume trusts recorded ranges beyond the .part file's real size: zeros placed at verify: size/none",
    edits: [{ file: "src/transfer/download-file.ts", find: "if (end <= Math.min(partialSize, job.file.size))", replace: "if (end <= job.file.size)" }],
    tests: ["tests/transfer/resume.test.ts"],
    filter: "truncated",
  },
  {
    name: "control-characters-in-hub-paths",
    breaks: "a Hub file path with a newline or ESC is accepted and written to disk",
    edits: [{ file: "src/hub/paths.ts", find: "(/[\\x00-\\x1f\\x7f-\\x9f]/.test(path) ?", replace: "(false ?" }],
    tests: ["tests/hub/path-safety.test.ts"],
  },
  {
    name: "content-range-unchecked",
    breaks: "a 206 for another range than the one asked is written at the asked offset: silent corruption at verify: size/none",
    edits: [{ file: "src/transfer/download-file.ts", find: "if (!match || Number(match[1]) !== range.start || Number(match[2]) !== range.end - 1) {", replace: "if (!match) {" }],
    tests: ["tests/transfer/faults.test.ts"],
    filter: "another range",
  },
  {
    name: "build-without-hash-worker",
    breaks: "the shipped binary has no hash worker: --verify-only hashes everything on the main thread",
    edits: [{ file: "build.ts", find: 'const WORKER_ENTRYPOINTS = ["src/verify/hash-worker.ts"];', replace: "const WORKER_ENTRYPOINTS: string[] = [];" }],
    tests: ["tests/verify/shipped-binary.test.ts"],
  },
  {
    name: "download-accepts-any-sha256",
    breaks: "a download whose bytes do not match the Hub's sha256 is placed as good",
    // Downloads and --verify-only share compareDigests: the same bug, caught by the download tests.
    edits: [{ file: "src/verify/check-file.ts", find: "return digests.sha256 === wanted ? undefined :", replace: "return true ? undefined :" }],
    tests: ["tests/transfer/faults.test.ts"],
    filter: "corrupt",
  },
  {
    name: "verify-accepts-any-sha256",
    breaks: "--verify-only passes an LFS file whose content changed",
    edits: [{ file: "src/verify/check-file.ts", find: "return digests.sha256 === wanted ? undefined :", replace: "return true ? undefined :" }],
    tests: ["tests/verify/check-file.test.ts"],
  },
  {
    name: "token-sent-to-every-host",
    breaks: "the Hub token is sent to the CDN and any host a redirect names",
    edits: [{ file: "src/hub/http.ts", find: "if (toHub && this.settings.token)", replace: "if (this.settings.token)" }],
    tests: ["tests/models/download.test.ts"],
  },
  {
    name: "dot-dot-allowed-in-paths",
    breaks: 'a ".." segment in a Hub path is accepted: files land outside the model directory',
    edits: [{ file: "src/cache/layout.ts", find: 'if (segment === "." || segment === "..")', replace: 'if (segment === ".")' }],
    tests: ["tests/hub/path-safety.test.ts"],
  },
  {
    name: "503-not-retried",
    breaks: "a 503 from the Hub or CDN fails the download instead of being retried",
    edits: [{ file: "src/hub/retry.ts", find: "[408, 425, 429, 500, 502, 503, 504]", replace: "[408, 425, 429, 500, 502, 504]" }],
    tests: ["tests/transfer/faults.test.ts"],
    filter: "503",
  },
  {
    name: "retry-after-ignored",
    breaks: "Retry-After is ignored: retries hammer a server that asked us to wait",
    edits: [{ file: "src/hub/retry.ts", find: 'const retryAfter = headers.get("retry-after")?.trim();', replace: "const retryAfter: string | undefined = undefined;" }],
    tests: ["tests/transfer/faults.test.ts"],
    filter: "Retry-After",
  },
  {
    name: "partial-reused-after-upstream-change",
    breaks: "a partial download is resumed after the file changed upstream: old and new bytes mixed",
    edits: [{ file: "src/transfer/download-file.ts", find: "state.identity === this.identity;", replace: "true;" }],
    tests: ["tests/transfer/resume.test.ts"],
    filter: "changed upstream",
  },
  {
    name: "verify-size-ignores-size",
    breaks: "verify: size (and --verify-only at size) passes a truncated or grown file",
    edits: [{ file: "src/verify/check-file.ts", find: "  if (stats.size !== expected.size) return { failure: sizeFailure(expected, stats.size) };\n", replace: "" }],
    tests: ["tests/verify/check-file.test.ts"],
  },
  {
    name: "offline-still-contacts-the-hub",
    breaks: "with HF_HUB_OFFLINE=1 a request still leaves the machine",
    edits: [{ file: "src/hub/http.ts", find: "    if (this.settings.offline) {", replace: "    if (false) {" }],
    tests: ["tests/hub/offline.test.ts"],
  },
  {
    name: "xet-bytegrouping-not-undone",
    breaks: "Xet chunks stored as ByteGrouping4 + LZ4 are written still grouped: corrupt weights",
    edits: [{ file: "src/transfer/xet/xorb-chunks.ts", find: "return decodeLz4Frame(payload, header.uncompressedLength, { into, byteGrouping4: true });", replace: "return decodeLz4Frame(payload, header.uncompressedLength, { into });" }],
    tests: ["tests/transfer/xet/xorb-chunks.test.ts"],
  },
  {
    name: "xet-unpacked-length-unchecked",
    breaks: "a Xet term whose decoded length differs from the CAS's unpacked_length goes unnoticed",
    edits: [
      { file: "src/transfer/xet/xet-file-source.ts", find: "if (decodedInTerm > term.unpackedLength) {", replace: "if (false) {" },
      { file: "src/transfer/xet/xet-file-source.ts", find: "if (decoded !== term.unpackedLength) {", replace: "if (false) {" },
    ],
    tests: ["tests/transfer/xet-transport.test.ts"],
    filter: "unpacked_length",
  },
  {
    name: "xet-token-not-refetched-after-401",
    breaks: "an expired Xet token ends Xet for the file (bridge) instead of being fetched again once",
    edits: [{ file: "src/transfer/xet/reconstruction.ts", find: "if (response.status === 401 && refusals === 0) {", replace: "if (false) {" }],
    tests: ["tests/transfer/xet-transport.test.ts"],
    filter: "expired token",
  },
  {
    name: "xet-retried-forever",
    breaks: "a CAS that keeps failing (503, xorb URLs that stay expired) fails the file instead of handing it to the bridge",
    edits: [{ file: "src/transfer/xet/bridge-fallback.ts", find: "return ++this.failuresInARow >= XET_FAILURES_BEFORE_BRIDGE;", replace: "return false;" }],
    tests: ["tests/transfer/xet-transport.test.ts"],
    filter: "a few tries on Xet",
  },
  {
    name: "xet-reuse-wrong-offset",
    breaks: "chunks reused from the cache are read from the wrong place: every upgrade refetches the whole file after a checksum failure",
    edits: [{ file: "src/transfer/xet/chunk-map.ts", find: "for (let index = run.firstChunk; index < start; index++) offset += run.lengths[index - run.firstChunk]!;", replace: "" }],
    tests: ["tests/transfer/xet-transport.test.ts"],
    filter: "5 %",
  },
  {
    name: "xet-answer-unbounded",
    breaks: "a CAS answering with thousands of one-chunk terms or overlong xorb ranges has the client fetch far more than the file",
    edits: [{ file: "src/transfer/xet/xet-file-source.ts", find: "    checkAnswerBounds(window, this.what);\n", replace: "" }],
    tests: ["tests/transfer/xet-hostile.test.ts"],
    filter: "refused before a xorb byte is asked for",
  },
  {
    name: "xet-failure-said-per-attempt",
    breaks: "after Xet failed for a file and its bytes were wrong, Xet is tried again from scratch and its failure said twice",
    edits: [{ file: "src/transfer/xet/bridge-fallback.ts", find: "    return this.useBridge;", replace: "    return false;" }],
    tests: ["tests/transfer/xet-hostile.test.ts"],
    filter: "failure said once",
  },
];

/** `text` with every edit of one file applied; throws naming the edit when its text is not found exactly once. */
export function applyEdits(file: string, text: string, edits: readonly Edit[]): string {
  let result = text;
  for (const edit of edits.filter((e) => e.file === file)) {
    const count = result.split(edit.find).length - 1;
    if (count !== 1) {
      throw new Error(`${file}: expected ${JSON.stringify(edit.find)} exactly once, found it ${count} times; update the mutation to the code that does this job now`);
    }
    result = result.replace(edit.find, () => edit.replace);
  }
  return result;
}
