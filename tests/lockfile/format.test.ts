import { describe, expect, test } from "bun:test";
import type { ModelSpec } from "../../src/config/types.ts";
import { TreeListing } from "../../src/hub/tree-listing.ts";
import { lfsPointerOid, lockedModelOf, pinOf } from "../../src/lockfile/convert.ts";
import { parseLock } from "../../src/lockfile/read-lock.ts";
import { buildSbom } from "../../src/lockfile/sbom.ts";
import { lockFrom } from "../../src/lockfile/lock-session.ts";
import { formatLock } from "../../src/lockfile/write-lock.ts";
import { silentLogger } from "../../src/output/logger.ts";

const SHA = (digit: string) => digit.repeat(64);
const OID = (digit: string) => digit.repeat(40);
const COMMIT = "c".repeat(40);

function spec(id: string): ModelSpec {
  return { id, repoId: `org/${id}`, repoType: "model", revision: "main", localDir: id, exclude: [] };
}

/** A tree page as the Hub sends it for a Xet-backed repository. */
const PAGE = [
  { type: "file", path: "z.safetensors", oid: OID("1"), size: 134, lfs: { oid: SHA("a"), size: 5_000_000, pointerSize: 134 }, xetHash: SHA("b") },
  { type: "file", path: "a/config.json", oid: OID("2"), size: 20, xetHash: "not-a-xet-hash" },
  { type: "directory", path: "a", oid: OID("3") },
];

describe("the lock's text", () => {
  test("records the Hub's identities (sha256 for LFS, git oid for regular files, Xet hash where well-formed), sorted, one file per line", () => {
    const listing = new TreeListing("org/x");
    listing.addPage(PAGE, 1);
    const files = listing.finish(silentLogger);
    const model = lockedModelOf(spec("x"), { commit: COMMIT, files, defaultExcluded: [] });
    const text = formatLock(lockFrom([lockedModelOf(spec("y"), { commit: COMMIT, files: [], defaultExcluded: [] }), model]));
    expect(text).toContain(`        { "path": "a/config.json", "size": 20, "gitOid": "${OID("2")}" },\n        { "path": "z.safetensors", "size": 5000000, "sha256": "${SHA("a")}", "xetHash": "${SHA("b")}" }\n`);
    expect(text.indexOf('"id": "x"')).toBeLessThan(text.indexOf('"id": "y"'));
    expect(text.endsWith("}\n")).toBe(true);

    // Parsing and formatting again gives the same bytes; the pin carries the Xet hash and the pointer's blob id.
    const parsed = parseLock(text, "models.lock.json");
    expect(formatLock(parsed)).toBe(text);
    const pinned = pinOf(parsed.models[0] as (typeof parsed.models)[number], "models.lock.json").files.find((file) => file.path === "z.safetensors");
    expect(pinned).toMatchObject({ lfsSha256: SHA("a"), xetHash: SHA("b"), oid: lfsPointerOid(SHA("a"), 5_000_000) });
    const sbom = JSON.stringify(buildSbom(parsed, { name: "model-manager", version: "test" }));
    expect(sbom).toContain(`{"name":"model-manager:xet-hash","value":"${SHA("b")}"}`);
  });

  test("the pointer blob id is git's id of the standard LFS pointer text", async () => {
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${SHA("a")}\nsize 5000000\n`;
    const git = Bun.spawnSync(["git", "hash-object", "--stdin"], { stdin: new TextEncoder().encode(pointer) });
    expect(lfsPointerOid(SHA("a"), 5_000_000)).toBe(git.stdout.toString().trim());
  });

  test("a file entry with both hashes, or neither, is refused naming the field", () => {
    const lock = JSON.parse(formatLock(lockFrom([lockedModelOf(spec("x"), { commit: COMMIT, files: [{ path: "f", size: 1, oid: OID("2") }], defaultExcluded: [] })])));
    lock.models[0].files[0].sha256 = SHA("a");
    expect(() => parseLock(JSON.stringify(lock), "m.lock.json")).toThrow("m.lock.json: models[0].files[0]: needs exactly one of sha256 (LFS file) or gitOid (regular file)");
    lock.models[0].files[0].path = "../escape";
    expect(() => parseLock(JSON.stringify(lock), "m.lock.json")).toThrow("models[0].files[0].path: unsafe path");
  });
});
