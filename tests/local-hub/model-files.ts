/** Realistic-looking model files for presets: safetensors with a valid header, tokenizers, vocabularies. */
import { generateBytes, mulberry32 } from "./content.ts";
import { json } from "./fixtures.ts";

function prng(seed: string): () => number {
  return mulberry32([...seed].reduce((hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16777619), 2166136261));
}

const SYLLABLES = ["an", "ber", "co", "da", "el", "fi", "gra", "ho", "in", "ja", "ka", "lo", "mi", "no", "or", "pa", "qu", "ri", "so", "ta", "un", "ve", "wi", "xo", "ya", "ze"];

/** `count` distinct lower-case tokens after the given special ones. */
export function vocabulary(seed: string, count: number, special: readonly string[] = []): string[] {
  const random = prng(seed);
  const words = new Set<string>(special);
  while (words.size < count) {
    let word = "";
    const syllables = 1 + Math.floor(random() * 4);
    for (let i = 0; i < syllables; i++) word += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(random() < 0.3 && words.size > special.length ? `##${word}` : word);
  }
  return [...words];
}

export const BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;

function addedToken(content: string, id: number) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** A WordPiece tokenizer.json like BERT-family models ship. */
export function wordPieceTokenizer(vocab: readonly string[]): string {
  return json({
    version: "1.0",
    truncation: { direction: "Right", max_length: 128, strategy: "LongestFirst", stride: 0 },
    padding: { strategy: { Fixed: 128 }, direction: "Right", pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: "[PAD]" },
    added_tokens: BERT_SPECIAL_TOKENS.map((content, index) => addedToken(content, vocab.indexOf(content) >= 0 ? vocab.indexOf(content) : index)),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(BERT_SPECIAL_TOKENS.map((token) => [token, { id: token, ids: [vocab.indexOf(token)], tokens: [token] }])),
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, index) => [token, index])),
    },
  });
}

/** A byte-level BPE tokenizer.json (GPT-2 / Qwen / ModernBERT style) with its merges. */
export function bpeTokenizer(vocab: readonly string[], specialTokens: readonly string[]): string {
  const merges = bpeMerges(vocab);
  return json({
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((content, index) => addedToken(content, vocab.length + index)),
    normalizer: { type: "NFC" },
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab.map((token, index) => [token, index])),
      merges,
    },
  });
}

export function bpeMerges(vocab: readonly string[]): string[] {
  return vocab.filter((token) => token.length >= 4 && !token.startsWith("##")).map((token) => `${token.slice(0, 2)} ${token.slice(2)}`);
}

export interface TensorSpec {
  readonly name: string;
  readonly dtype: "F32" | "F16" | "BF16" | "I64";
  readonly shape: readonly number[];
}

const DTYPE_BYTES: Record<TensorSpec["dtype"], number> = { F32: 4, F16: 2, BF16: 2, I64: 8 };

/**
 * A safetensors file: 8-byte little-endian header length, JSON header, then tensor data
 * (pseudo-random bytes). Parsable by safetensors readers; the size follows from the shapes.
 */
export function safetensors(seed: string, tensors: readonly TensorSpec[], metadata: Record<string, string> = { format: "pt" }): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const tensor of tensors) {
    const length = tensor.shape.reduce((product, dimension) => product * dimension, 1) * DTYPE_BYTES[tensor.dtype];
    header[tensor.name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let headerText = JSON.stringify(header);
  headerText += " ".repeat((8 - (headerText.length % 8)) % 8);
  const headerBytes = new TextEncoder().encode(headerText);
  const file = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  file.set(headerBytes, 8);
  file.set(generateBytes(seed, offset), 8 + headerBytes.byteLength);
  return file;
}

/** Tensors of a BERT-style encoder: embeddings plus `layers` transformer layers. */
export function encoderTensors(options: { vocab: number; hidden: number; intermediate: number; layers: number; dtype: TensorSpec["dtype"]; prefix?: string }): TensorSpec[] {
  const { vocab, hidden, intermediate, layers, dtype, prefix = "" } = options;
  const tensors: TensorSpec[] = [
    { name: `${prefix}embeddings.word_embeddings.weight`, dtype, shape: [vocab, hidden] },
    { name: `${prefix}embeddings.position_embeddings.weight`, dtype, shape: [512, hidden] },
    { name: `${prefix}embeddings.LayerNorm.weight`, dtype, shape: [hidden] },
    { name: `${prefix}embeddings.LayerNorm.bias`, dtype, shape: [hidden] },
  ];
  for (let layer = 0; layer < layers; layer++) {
    const base = `${prefix}encoder.layer.${layer}`;
    for (const part of ["query", "key", "value"]) {
      tensors.push({ name: `${base}.attention.self.${part}.weight`, dtype, shape: [hidden, hidden] });
      tensors.push({ name: `${base}.attention.self.${part}.bias`, dtype, shape: [hidden] });
    }
    tensors.push(
      { name: `${base}.attention.output.dense.weight`, dtype, shape: [hidden, hidden] },
      { name: `${base}.intermediate.dense.weight`, dtype, shape: [intermediate, hidden] },
      { name: `${base}.output.dense.weight`, dtype, shape: [hidden, intermediate] },
      { name: `${base}.output.LayerNorm.weight`, dtype, shape: [hidden] },
    );
  }
  return tensors;
}

/** The `.gitattributes` every Hub repo starts with. */
export const HUB_GITATTRIBUTES = [
  "*.7z", "*.arrow", "*.bin", "*.bz2", "*.ckpt", "*.ftz", "*.gz", "*.h5", "*.joblib", "*.mlmodel", "*.model", "*.msgpack",
  "*.npy", "*.npz", "*.onnx", "*.ot", "*.parquet", "*.pb", "*.pickle", "*.pkl", "*.pt", "*.pth", "*.rar", "*.safetensors",
  "*.tar.*", "*.tflite", "*.tgz", "*.wasm", "*.xz", "*.zip", "*.zst", "*tfevents*",
]
  .map((pattern) => `${pattern} filter=lfs diff=lfs merge=lfs -text`)
  .join("\n")
  .concat("\n");

export function modelCard(frontMatter: Record<string, string | readonly string[]>, title: string, body: string): string {
  const yaml = Object.entries(frontMatter)
    .map(([key, value]) => (typeof value === "string" ? `${key}: ${value}` : `${key}:\n${value.map((item) => `- ${item}`).join("\n")}`))
    .join("\n");
  return `---\n${yaml}\n---\n\n# ${title}\n\n${body}\n`;
}
