/** Ready-made repository sets: small copies of the models the product ships configs for, and benchmark shapes. */
import { type FileTree, generated, json, type RepoDecl, TEST_TOKENS } from "./fixtures.ts";
import {
  BERT_SPECIAL_TOKENS,
  bpeMerges,
  bpeTokenizer,
  encoderTensors,
  HUB_GITATTRIBUTES,
  modelCard,
  safetensors,
  vocabulary,
  wordPieceTokenizer,
} from "./model-files.ts";

export interface SizedFiles {
  readonly count?: number;
  readonly size: number;
  /** File name; `{i}` becomes the 1-based index zero-padded to 5 digits, `{n}` the padded count. Default `file-{i}.bin`. */
  readonly name?: string;
  readonly lfs?: boolean;
}

/** A repository of generated files of the given sizes, for benchmarks. */
export function syntheticRepo(id: string, groups: readonly SizedFiles[], extra: Omit<RepoDecl, "id" | "files" | "commits"> = {}): RepoDecl {
  const files: Record<string, FileTree[string]> = {};
  for (const group of groups) {
    const count = group.count ?? 1;
    const pattern = group.name ?? "file-{i}.bin";
    for (let index = 1; index <= count; index++) {
      const path = pattern.replaceAll("{i}", String(index).padStart(5, "0")).replaceAll("{n}", String(count).padStart(5, "0"));
      if (path in files) throw new Error(`${id}: ${path} declared twice; use {i} in the name of a group with several files`);
      files[path] = group.lfs === undefined ? generated(group.size) : { content: generated(group.size), lfs: group.lfs };
    }
  }
  return { ...extra, id, files };
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 2 ** 10, mb: 1e6, mib: 2 ** 20, gb: 1e9, gib: 2 ** 30 };

/** `8KiB`, `1.2GiB`, `40MB`, `512` → bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = SIZE_UNITS[(match?.[2] || "b").toLowerCase()];
  if (!match || unit === undefined) throw new Error(`invalid size ${JSON.stringify(text)}`);
  return Math.round(Number(match[1]) * unit);
}

/** `org/name=1x2GiB:model.safetensors,10x8KiB:config-{i}.json` → a synthetic repository. */
export function parseSyntheticSpec(spec: string): RepoDecl {
  const [id, groupsText] = spec.split("=", 2);
  if (!id || !groupsText) throw new Error(`invalid synthetic repo ${JSON.stringify(spec)}; expected id=COUNTxSIZE[:NAME],…`);
  const groups = groupsText.split(",").map((groupText): SizedFiles => {
    const match = /^(\d+)x([^:]+)(?::(.+))?$/.exec(groupText.trim());
    if (!match) throw new Error(`invalid file group ${JSON.stringify(groupText)}; expected COUNTxSIZE[:NAME]`);
    const count = Number(match[1]);
    return { count, size: parseSize(match[2]!), name: match[3] ?? (count === 1 ? "file.bin" : "file-{i}.bin") };
  });
  return syntheticRepo(id, groups);
}

/** Small versions of real models the product ships configs for, plus a gated one; realistic names and JSON. */
export function demoRepos(dataDir?: string): RepoDecl[] {
  const onDisk = (size: number, seed: string) => ({ generated: { size, seed, ...(dataDir ? { dir: dataDir } : {}) } });
  return [miniLm(onDisk), modernBertClassifier(), qwen3Small(), gatedLlama()];
}

function miniLm(onDisk: (size: number, seed: string) => FileTree[string]): RepoDecl {
  const id = "sentence-transformers/all-MiniLM-L12-v2";
  const vocab = vocabulary(id, 30522, BERT_SPECIAL_TOKENS);
  const hidden = 384;
  const specialTokens = { unk_token: "[UNK]", sep_token: "[SEP]", pad_token: "[PAD]", cls_token: "[CLS]", mask_token: "[MASK]" };
  return {
    id,
    info: { pipeline_tag: "sentence-similarity", library_name: "sentence-transformers", tags: ["sentence-transformers", "pytorch", "safetensors", "bert", "feature-extraction"] },
    files: {
      ".gitattributes": HUB_GITATTRIBUTES,
      "README.md": modelCard(
        { language: "en", license: "apache-2.0", library_name: "sentence-transformers", tags: ["sentence-transformers", "feature-extraction", "sentence-similarity"], pipeline_tag: "sentence-similarity" },
        "all-MiniLM-L12-v2",
        "This is a [sentence-transformers](https://www.SBERT.net) model: it maps sentences and paragraphs to a 384 dimensional dense vector space.",
      ),
      "config.json": json({
        _name_or_path: "microsoft/MiniLM-L12-H384-uncased",
        architectures: ["BertModel"],
        attention_probs_dropout_prob: 0.1,
        hidden_act: "gelu",
        hidden_dropout_prob: 0.1,
        hidden_size: hidden,
        initializer_range: 0.02,
        intermediate_size: 1536,
        layer_norm_eps: 1e-12,
        max_position_embeddings: 512,
        model_type: "bert",
        num_attention_heads: 12,
        num_hidden_layers: 12,
        pad_token_id: 0,
        position_embedding_type: "absolute",
        transformers_version: "4.8.2",
        type_vocab_size: 2,
        use_cache: true,
        vocab_size: vocab.length,
      }),
      "config_sentence_transformers.json": json({ __version__: { sentence_transformers: "2.0.0", transformers: "4.6.1", pytorch: "1.8.1" } }),
      "modules.json": json([
        { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
        { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
        { idx: 2, name: "2", path: "2_Normalize", type: "sentence_transformers.models.Normalize" },
      ]),
      "1_Pooling/config.json": json({
        word_embedding_dimension: hidden,
        pooling_mode_cls_token: false,
        pooling_mode_mean_tokens: true,
        pooling_mode_max_tokens: false,
        pooling_mode_mean_sqrt_len_tokens: false,
      }),
      "sentence_bert_config.json": json({ max_seq_length: 128, do_lower_case: false }),
      "special_tokens_map.json": json(specialTokens),
      "tokenizer_config.json": json({
        do_lower_case: true,
        ...specialTokens,
        tokenize_chinese_chars: true,
        strip_accents: null,
        model_max_length: 512,
        tokenizer_class: "BertTokenizer",
      }),
      "tokenizer.json": wordPieceTokenizer(vocab),
      "vocab.txt": `${vocab.join("\n")}\n`,
      // ≈ 36 MiB: F16 embeddings and four layers.
      "model.safetensors": safetensors(`${id}/model`, encoderTensors({ vocab: vocab.length, hidden, intermediate: 1536, layers: 4, dtype: "F16" })),
      // Skipped by the product's default exclude (*.onnx).
      "onnx/model.onnx": onDisk(6 << 20, `${id}/onnx`),
    },
  };
}

const CATEGORIES = [
  "business", "law", "psychology", "biology", "chemistry", "history", "other",
  "health", "economics", "math", "physics", "computer science", "philosophy", "engineering",
];

function modernBertClassifier(): RepoDecl {
  const id = "LLM-Semantic-Router/category_classifier_modernbert-base_model";
  const special = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"];
  const vocab = vocabulary(id, 12000);
  const hidden = 256;
  return {
    id,
    info: { pipeline_tag: "text-classification", library_name: "transformers", tags: ["transformers", "safetensors", "modernbert", "text-classification"] },
    files: {
      ".gitattributes": HUB_GITATTRIBUTES,
      "README.md": modelCard({ library_name: "transformers", license: "apache-2.0", pipeline_tag: "text-classification" }, "Category classifier (ModernBERT base)", "Classifies a prompt into one of 14 MMLU-Pro categories."),
      "config.json": json({
        architectures: ["ModernBertForSequenceClassification"],
        model_type: "modernbert",
        hidden_size: 768,
        intermediate_size: 1152,
        num_attention_heads: 12,
        num_hidden_layers: 22,
        max_position_embeddings: 8192,
        vocab_size: 50368,
        id2label: Object.fromEntries(CATEGORIES.map((label, index) => [String(index), label])),
        label2id: Object.fromEntries(CATEGORIES.map((label, index) => [label, index])),
        problem_type: "single_label_classification",
        torch_dtype: "float32",
        transformers_version: "4.48.0",
      }),
      "category_mapping.json": json({
        category_to_idx: Object.fromEntries(CATEGORIES.map((label, index) => [label, index])),
        idx_to_category: Object.fromEntries(CATEGORIES.map((label, index) => [String(index), label])),
      }),
      "special_tokens_map.json": json({ cls_token: "[CLS]", mask_token: "[MASK]", pad_token: "[PAD]", sep_token: "[SEP]", unk_token: "[UNK]" }),
      "tokenizer_config.json": json({ clean_up_tokenization_spaces: true, model_max_length: 8192, tokenizer_class: "PreTrainedTokenizerFast", model_input_names: ["input_ids", "attention_mask"] }),
      "tokenizer.json": bpeTokenizer(vocab, special),
      // ≈ 15 MiB.
      "model.safetensors": safetensors(`${id}/model`, encoderTensors({ vocab: vocab.length, hidden, intermediate: 1024, layers: 1, dtype: "F32", prefix: "model." })),
      "training_args.bin": { content: generated(5432, `${id}/training_args`), lfs: true },
    },
  };
}

function qwen3Small(): RepoDecl {
  const id = "Qwen/Qwen3-0.6B";
  const vocab = vocabulary(id, 8000);
  const special = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
  const config = {
    architectures: ["Qwen3ForCausalLM"],
    model_type: "qwen3",
    hidden_size: 1024,
    intermediate_size: 3072,
    num_attention_heads: 16,
    num_hidden_layers: 28,
    num_key_value_heads: 8,
    max_position_embeddings: 40960,
    rope_theta: 1000000,
    tie_word_embeddings: true,
    torch_dtype: "bfloat16",
    vocab_size: 151936,
  };
  const readme = modelCard({ library_name: "transformers", license: "apache-2.0", pipeline_tag: "text-generation" }, "Qwen3-0.6B", "Qwen3 is the latest generation of large language models in the Qwen series.");
  const files: FileTree = {
    ".gitattributes": HUB_GITATTRIBUTES,
    LICENSE: "                                 Apache License\n                           Version 2.0, January 2004\n",
    "README.md": readme,
    "config.json": json(config),
    "generation_config.json": json({ bos_token_id: 151643, do_sample: true, eos_token_id: [151645, 151643], pad_token_id: 151643, temperature: 0.6, top_k: 20, top_p: 0.95 }),
    "merges.txt": `#version: 0.2\n${bpeMerges(vocab).join("\n")}\n`,
    "vocab.json": json(Object.fromEntries(vocab.map((token, index) => [token, index]))),
    "tokenizer.json": bpeTokenizer(vocab, special),
    "tokenizer_config.json": json({ add_prefix_space: false, bos_token: null, eos_token: "<|im_end|>", pad_token: "<|endoftext|>", model_max_length: 131072, tokenizer_class: "Qwen2Tokenizer" }),
    // ≈ 12 MiB.
    "model.safetensors": safetensors(`${id}/model`, [
      { name: "model.embed_tokens.weight", dtype: "BF16", shape: [vocab.length, 512] },
      { name: "model.norm.weight", dtype: "BF16", shape: [512] },
      { name: "model.layers.0.mlp.down_proj.weight", dtype: "BF16", shape: [512, 1536] },
      { name: "model.layers.0.mlp.up_proj.weight", dtype: "BF16", shape: [1536, 512] },
      { name: "model.layers.0.mlp.gate_proj.weight", dtype: "BF16", shape: [1536, 512] },
    ], { format: "pt" }),
  };
  const updatedGeneration = json({ bos_token_id: 151643, do_sample: true, eos_token_id: [151645, 151643], pad_token_id: 151643, temperature: 0.7, top_k: 20, top_p: 0.8 });
  return {
    id,
    info: { pipeline_tag: "text-generation", library_name: "transformers", tags: ["transformers", "safetensors", "qwen3", "text-generation"] },
    commits: [
      { files, message: "initial upload" },
      { files: { ...files, "generation_config.json": updatedGeneration }, message: "Update generation_config.json" },
      { files: { ...files, "README.md": `${readme}\nSee the technical report.\n` }, message: "Update README.md", parent: 1 },
    ],
    branches: { main: 1 },
    tags: { "v1.0": 0 },
    pullRequests: { 1: 2 },
  };
}

function gatedLlama(): RepoDecl {
  const id = "meta-llama/Llama-3.2-1B";
  return {
    id,
    gated: "manual",
    approvedTokens: [TEST_TOKENS.approved],
    info: { pipeline_tag: "text-generation", library_name: "transformers", tags: ["transformers", "safetensors", "llama"] },
    files: {
      ".gitattributes": HUB_GITATTRIBUTES,
      "config.json": json({ architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 2048, num_hidden_layers: 16, vocab_size: 128256 }),
      "model.safetensors": generated(2 << 20, `${id}/model`),
    },
  };
}

/** Named repository sets for `main.ts --preset`. Add benchmark shapes here. */
export const PRESETS: Record<string, (dataDir?: string) => RepoDecl[]> = {
  demo: demoRepos,
  "bench-2g": () => [syntheticRepo("bench/single-2g", [{ size: 2 ** 31, name: "model.safetensors" }])],
  "bench-mixed": () => [
    syntheticRepo("bench/mixed", [
      { size: Math.round(1.2 * 2 ** 30), name: "model.safetensors" },
      { count: 10, size: 16 * 1024, name: "config-{i}.json" },
    ]),
  ],
  "bench-many-small": () => [syntheticRepo("bench/many-small", [{ count: 2000, size: 8 * 1024, name: "chunks/part-{i}.json" }])],
  "bench-small-models": () =>
    Array.from({ length: 20 }, (_, index) =>
      syntheticRepo(`bench/small-model-${String(index + 1).padStart(2, "0")}`, [
        { size: 4 << 20, name: "model.safetensors" },
        { size: 2048, name: "config.json" },
        { size: 64 * 1024, name: "tokenizer.json" },
      ]),
    ),
};
