import { describe, expect, test } from "bun:test";
import { selectionFingerprint } from "../../src/config/fingerprint.ts";
import { DEFAULT_EXCLUDE, type ModelSpec } from "../../src/config/types.ts";

const base: ModelSpec = {
  id: "a",
  repoId: "org/a",
  repoType: "model",
  revision: "main",
  localDir: "a",
  files: ["config.json", "*.safetensors"],
  exclude: ["*.onnx"],
};

describe("selectionFingerprint", () => {
  test("is a sha256 hex digest", () => {
    expect(selectionFingerprint(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("is pinned: sha256 of the canonical JSON, so it stays the same across runs and versions", () => {
    // sha256('[1,"model",["*.safetensors","config.json"],["*.onnx"]]'), computed independently.
    expect(selectionFingerprint(base)).toBe("a4baec32d8da136d41ef203e9348759c023aad289a59471187c4c565f5759c72");
  });

  test("does not depend on the array instance", () => {
    const first = selectionFingerprint({ repoType: "model", exclude: [...DEFAULT_EXCLUDE] });
    expect(selectionFingerprint({ repoType: "model", exclude: [...DEFAULT_EXCLUDE].reverse() })).toBe(first);
  });

  test("ignores fields that do not decide the selection", () => {
    const other = { ...base, id: "b", repoId: "org/b", revision: "v2", localDir: "b", verify: "sha256" as const };
    expect(selectionFingerprint(other)).toBe(selectionFingerprint(base));
  });

  test("ignores pattern order and repeats", () => {
    const reordered = { ...base, files: ["*.safetensors", "config.json", "config.json"], exclude: ["*.onnx", "*.onnx"] };
    expect(selectionFingerprint(reordered)).toBe(selectionFingerprint(base));
  });

  test("changes with repo type, files and exclude", () => {
    const fingerprints = new Set([
      selectionFingerprint(base),
      selectionFingerprint({ ...base, repoType: "dataset" }),
      selectionFingerprint({ ...base, files: ["config.json"] }),
      selectionFingerprint({ ...base, files: undefined }),
      selectionFingerprint({ ...base, exclude: [] }),
      selectionFingerprint({ ...base, exclude: ["*.bin"] }),
    ]);
    expect(fingerprints.size).toBe(6);
  });

  test("tells no files list apart from an empty one", () => {
    expect(selectionFingerprint({ ...base, files: undefined })).not.toBe(selectionFingerprint({ ...base, files: [] }));
  });
});
