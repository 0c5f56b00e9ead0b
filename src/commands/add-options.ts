import { closestMatch, UsageError } from "../errors.ts";

/** `model-manager add <repo_id>[@revision] [--id ID] [--files PATTERN…] [--exclude PATTERN…] [--local-dir DIR] [-c FILE]`. */
export type AddOptions = {
  readonly repoId: string;
  readonly revision?: string;
  readonly id?: string;
  /** Absent: every file. */
  readonly files?: readonly string[];
  /** Absent: the default exclude list; empty (`--exclude` alone): nothing excluded. */
  readonly exclude?: readonly string[];
  readonly localDir?: string;
  readonly config?: string;
  readonly quiet: boolean;
};

export const ADD_HELP = `model-manager add <repo_id>[@revision] [options]

Appends a model to the configuration file, keeping its comments and formatting; the next
\`model-manager\` run downloads it. The file is created when it does not exist.

Options:
  --id <id>                 Model id (default: the repository name, "all-MiniLM-L12-v2" for
                            sentence-transformers/all-MiniLM-L12-v2)
  --files <pattern>…        Only these files or globs (one or more, or the flag repeated)
  --exclude [pattern…]      Leave these out; --exclude alone writes "exclude: []" (keep everything)
  --local-dir <dir>         Folder under cache_dir (default: the id)
  -c, --config <path>       Configuration file (default: config/model_manager/models.yaml, or
                            models.minimal.yaml when CI_MINIMAL_MODELS is set)
  -q, --quiet               Print nothing but errors
  -h, --help                Display this message

Examples:
  model-manager add sentence-transformers/all-MiniLM-L12-v2
  model-manager add Qwen/Qwen3-0.6B@main --id qwen --files config.json "*.safetensors" "tokenizer*"
  model-manager add org/model --exclude -c models.yaml
`;

const LIST_FLAGS = new Set(["--files", "--exclude"]);
const VALUE_FLAGS = new Set(["--id", "--local-dir", "--config", "-c"]);
const KNOWN = ["--id", "--files", "--exclude", "--local-dir", "--config", "-c", "--quiet", "-q", "--help", "-h", "--version", "-V"];

export type ParsedAdd = { readonly kind: "add-help" } | { readonly kind: "version" } | { readonly kind: "add"; readonly options: AddOptions };

/** Parses the arguments after `add`. List flags take every following argument up to the next flag. */
export function parseAddCommandLine(argv: readonly string[]): ParsedAdd {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  let quiet = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = splitInline(arg);
    if (flag === "--help" || flag === "-h") return { kind: "add-help" };
    // As after any other command word.
    if (flag === "--version" || flag === "-V") return { kind: "version" };
    if (flag === "--quiet" || flag === "-q") {
      quiet = true;
    } else if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++index];
      if (value === undefined || (inline === undefined && value.startsWith("-"))) throw new UsageError(`add: ${flag} needs a value`);
      const name = flag === "-c" ? "--config" : flag;
      if (values.has(name)) throw new UsageError(`add: ${name} can be given only once`);
      if (value.trim() === "") throw new UsageError(`add: ${flag} needs a non-empty value`);
      values.set(name, value);
    } else if (LIST_FLAGS.has(flag)) {
      const list = lists.get(flag) ?? [];
      lists.set(flag, list);
      if (inline !== undefined) list.push(inline);
      while (inline === undefined && index + 1 < argv.length && !(argv[index + 1] as string).startsWith("-")) list.push(argv[++index] as string);
    } else {
      const hint = closestMatch(flag, KNOWN);
      throw new UsageError(`add: unknown option ${flag}${hint ? ` (did you mean ${hint}?)` : ""}; see model-manager add --help`);
    }
  }
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length === 0 ? "add needs a repository id, e.g. model-manager add org/name[@revision]" : `add takes one repository id, got ${positional.join(", ")}`,
    );
  }
  const files = lists.get("--files");
  if (files && files.length === 0) throw new UsageError("add: --files needs at least one pattern");
  const { repoId, revision } = splitRevision(positional[0] as string);
  return {
    kind: "add",
    options: {
      repoId,
      ...(revision === undefined ? {} : { revision }),
      ...(values.has("--id") ? { id: values.get("--id") } : {}),
      ...(files ? { files } : {}),
      ...(lists.has("--exclude") ? { exclude: lists.get("--exclude") } : {}),
      ...(values.has("--local-dir") ? { localDir: values.get("--local-dir") } : {}),
      ...(values.has("--config") ? { config: values.get("--config") } : {}),
      quiet,
    },
  };
}

function splitInline(arg: string): [string, string | undefined] {
  const equals = arg.indexOf("=");
  return arg.startsWith("--") && equals > 0 ? [arg.slice(0, equals), arg.slice(equals + 1)] : [arg, undefined];
}

/** `org/name@revision`: the revision after the last "@" (repository ids contain none). */
function splitRevision(spec: string): { repoId: string; revision?: string } {
  const at = spec.lastIndexOf("@");
  if (at === -1) return { repoId: spec };
  const revision = spec.slice(at + 1);
  if (revision === "") throw new UsageError(`add: "${spec}" has an empty revision after "@"`);
  return { repoId: spec.slice(0, at), revision };
}
