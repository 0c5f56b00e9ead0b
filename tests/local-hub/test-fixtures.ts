/** Repositories shared by the hub's own tests. */
import { generated, json, type RepoDecl, TEST_TOKENS } from "./fixtures.ts";

export const TINY = "acme/tiny-model";
export const GATED = "acme/gated-model";
export const PRIVATE = "acme/private-model";
export const MANY = "acme/many-files";
export const DATASET = "acme/tiny-dataset";
export const EDGE = "acme/edge-cases";

const tinyV1 = {
  "config.json": json({ model_type: "bert", hidden_size: 32 }),
  "README.md": "# tiny\n",
  "model.safetensors": generated(300_000),
  "sub/dir/notes.txt": "nested\n",
  "sub/weights.bin": generated(40_000),
};

export function testRepos(): RepoDecl[] {
  return [
    {
      id: TINY,
      renamedFrom: ["tiny-model-legacy", "oldorg/tiny-model"],
      commits: [
        { files: tinyV1, message: "initial" },
        { files: { ...tinyV1, "config.json": json({ model_type: "bert", hidden_size: 64 }) }, message: "bigger" },
        { files: { ...tinyV1, "pr-only.txt": "from a PR\n" }, message: "PR commit", parent: 0 },
      ],
      branches: { main: 1, dev: 0 },
      tags: { v1: 0 },
      pullRequests: { 1: 2 },
    },
    {
      id: GATED,
      gated: "manual",
      approvedTokens: [TEST_TOKENS.approved],
      files: { "config.json": json({ gated: true }), "model.safetensors": generated(50_000) },
    },
    {
      id: PRIVATE,
      private: true,
      readers: [TEST_TOKENS.approved],
      files: { "config.json": json({ private: true }) },
    },
    {
      id: MANY,
      files: Object.fromEntries(Array.from({ length: 120 }, (_, index) => [`shards/${index % 3}/part-${String(index).padStart(3, "0")}.txt`, `part ${index}\n`])),
    },
    {
      id: EDGE,
      files: { "empty.txt": "", "name with space#1.txt": "odd name\n", "données/é.txt": "utf-8 path\n", "empty.bin": "" },
    },
    {
      id: DATASET,
      type: "dataset",
      files: { "README.md": "---\nlicense: mit\n---\n", "data/train.parquet": generated(70_000) },
    },
  ];
}
