import { generated, json, type RepoDecl } from "../local-hub/index.ts";

export const ENCODER = "acme/encoder";
export const TAGGER = "acme/tagger";
/** The encoder's files that the suites compare with the hub after a download. */
export const ENCODER_FILES = ["config.json", "tokenizer.json", "model.safetensors"];

/** The two repositories of the lock and mirror suites; `seed` gives each suite bytes of its own. */
export function encoderAndTagger(weightsBytes: number, seed: string): RepoDecl[] {
  return [
    {
      id: ENCODER,
      files: {
        "config.json": json({ model_type: "bert" }),
        "tokenizer.json": json({ version: "1.0" }),
        "model.safetensors": generated(weightsBytes, `${seed}1`),
        "onnx/model.onnx": generated(10_000, `${seed}2`),
      },
    },
    { id: TAGGER, files: { "config.json": json({ model_type: "tagger" }), "weights.bin": generated(1_500_000, `${seed}3`) } },
  ];
}
