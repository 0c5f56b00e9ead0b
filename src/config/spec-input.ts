/** A model spec a library caller built by hand, checked by the configuration file's rules. */
import * as v from "valibot";
import { UsageError } from "../errors.ts";
import { describeValue } from "./describe.ts";
import { normaliseLocalDir } from "./local-dir.ts";
import { toModelSpec } from "./normalise.ts";
import { isMapping, modelSchema } from "./schema.ts";
import type { ModelSpec } from "./types.ts";

/** What a caller may pass where a ModelSpec is asked for: `id` and `repoId`; the rest has the file's defaults. */
export type ModelSpecInput = Pick<ModelSpec, "id" | "repoId"> & Partial<Omit<ModelSpec, "id" | "repoId">>;

/** The spec's camelCase keys and the file's snake_case ones they stand for. */
const FILE_KEYS = { id: "id", repoId: "repo_id", repoType: "repo_type", revision: "revision", localDir: "local_dir", files: "files", exclude: "exclude", verify: "verify" } as const;
const SPEC_KEYS = Object.fromEntries(Object.entries(FILE_KEYS).map(([spec, file]) => [file, spec]));

/**
 * The spec, normalised as a configuration file's model would be (defaults filled in, local_dir and
 * patterns checked); UsageError naming `where` (e.g. "downloadModel: spec") and every problem otherwise.
 */
export function modelSpecFrom(input: unknown, where: string): ModelSpec {
  if (!isMapping(input)) throw new UsageError(`${where} must be a model spec object with "id" and "repoId", found ${describeValue(input)}`);
  const raw = Object.fromEntries(Object.entries(FILE_KEYS).flatMap(([spec, file]) => (input[spec] === undefined ? [] : [[file, input[spec]]])));
  const result = v.safeParse(modelSchema, raw, { abortEarly: false });
  // Without a localDir the id names the folder: the rule the file's cross-checks apply (it may hold "..", or be too long).
  const folder = result.success && result.output.local_dir === undefined ? normaliseLocalDir(result.output.id) : undefined;
  if (folder && "problem" in folder) throw new UsageError(`${where}.id: cannot be the model's folder name (used when localDir is absent): it ${folder.problem}; set localDir`);
  if (result.success) return toModelSpec(result.output);
  const problems = result.issues.map((issue) => {
    const key = issue.path?.[0]?.key ?? /^missing required key "(\w+)"$/.exec(issue.message)?.[1];
    const name = typeof key === "string" ? (SPEC_KEYS[key] ?? key) : undefined;
    // The file's wording, minus its YAML advice (quoting) and with the spec's key names.
    const message = issue.message.replace(/; put it in quotes to make it a string$/, "").replace(/"(repo_id|repo_type|local_dir)"/g, (_, file: string) => `"${SPEC_KEYS[file]}"`);
    return `${name ? `${where}.${name}: ` : `${where}: `}${message}`;
  });
  const snake = ["repo_id", "repo_type", "local_dir"].filter((key) => key in input);
  const hint = snake.length > 0 ? ` (the library's spec is camelCase: ${snake.map((key) => SPEC_KEYS[key]).join(", ")})` : "";
  throw new UsageError(`${problems.join("; ")}${hint}`);
}
