import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadModelsConfig } from "../../src/config/load.ts";
import type { VerifyLevel } from "../../src/config/types.ts";

const configDir = join(import.meta.dir, "../../config/model_manager");

const modernbertClassifiers = [
  "category_classifier_modernbert-base_model",
  "pii_classifier_modernbert-base_presidio_token_model",
  "jailbreak_classifier_modernbert-base_model",
  "pii_classifier_modernbert-base_model",
];
const tasks = ["intent_classifier", "pii_detector", "jailbreak_classifier"];
const loraAdapters = (bases: string[]) => tasks.flatMap((task) => bases.map((base) => `lora_${task}_${base}_model`));
const others = (withGatedGemma: boolean) => [
  "all-MiniLM-L12-v2",
  "Qwen3-Embedding-0.6B",
  ...(withGatedGemma ? ["embeddinggemma-300m"] : []),
  "halugate-detector",
  "halugate-sentinel",
  "ModernBERT-base-nli",
  "Qwen/Qwen3-0.6B",
];

const expectedRepos: Record<string, string> = {
  "all-MiniLM-L12-v2": "sentence-transformers/all-MiniLM-L12-v2",
  "Qwen3-Embedding-0.6B": "Qwen/Qwen3-Embedding-0.6B",
  "embeddinggemma-300m": "google/embeddinggemma-300m",
  "halugate-detector": "KRLabsOrg/lettucedect-base-modernbert-en-v1",
  "halugate-sentinel": "LLM-Semantic-Router/halugate-sentinel",
  "ModernBERT-base-nli": "tasksource/ModernBERT-base-nli",
  "Qwen/Qwen3-0.6B": "Qwen/Qwen3-0.6B",
};

const shipped: [file: string, verify: VerifyLevel, ids: string[]][] = [
  [
    "models.yaml",
    "sha256",
    [...modernbertClassifiers, ...loraAdapters(["bert-base-uncased", "roberta-base", "modernbert-base"]), ...others(true)],
  ],
  ["models.minimal.yaml", "size", [...modernbertClassifiers, ...loraAdapters(["bert-base-uncased"]), ...others(false)]],
  ["models.lora.yaml", "size", [...loraAdapters(["bert-base-uncased"]), "Qwen3-Embedding-0.6B"]],
];

describe.each(shipped)("%s", (file, verify, ids) => {
  const config = loadModelsConfig(join(configDir, file), { cwd: "/project" });

  test("has exactly the original model ids", () => {
    expect(config.models.map((spec) => spec.id)).toEqual(ids);
  });

  test(`verifies with ${verify} into models/`, () => {
    expect(config.verify).toBe(verify);
    expect(config.cacheDir).toBe("/project/models");
  });

  test("points each model at its repository", () => {
    for (const spec of config.models) {
      expect(spec.repoId).toBe(expectedRepos[spec.id] ?? `LLM-Semantic-Router/${spec.id}`);
      expect(spec.localDir).toBe(spec.id);
      expect(spec.revision).toBe("main");
    }
  });
});

test("the full set marks the gated model as needing HF_TOKEN", async () => {
  const text = await Bun.file(join(configDir, "models.yaml")).text();
  const gemma = text.indexOf("google/embeddinggemma-300m");
  expect(text.slice(text.lastIndexOf("#", gemma), gemma)).toContain("HF_TOKEN");
});
