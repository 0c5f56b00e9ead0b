import { cac } from "cac";
import { choiceArgument } from "../choice-argument.ts";
import { VERIFY_LEVELS, type VerifyLevel } from "../config/types.ts";
import { closestMatch, messageOf, UsageError } from "../errors.ts";
import { type ParsedAdd, parseAddCommandLine } from "./add-options.ts";
import { firstOperandIndex, rejectMisreadArguments, strayWordHint, switchesGivenTwiceAsOnce } from "./argv-shape.ts";
import { HELP_EXAMPLES, helpSections } from "./help.ts";
import { typedValues } from "./typed-values.ts";

/** What the command line asks for, validated. */
export type CliOptions = {
  readonly action: "download" | "list" | "verify-only" | "clean" | "clean-model" | "cache-key" | CommandWord;
  readonly config?: string;
  readonly cacheDir?: string;
  /** --model (repeatable): restrict to these ids. */
  readonly models: readonly string[];
  /** --clean-model ids. */
  readonly cleanModels: readonly string[];
  readonly verify?: VerifyLevel;
  readonly dryRun: boolean;
  /** Ask the Hub where branch and tag revisions point now (download, --dry-run, --list). */
  readonly refresh: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** --locked / --frozen: how the committed lock is used (see src/lockfile/lock-session.ts). */
  readonly lockMode: "update" | "locked" | "frozen";
  /** sbom --output FILE. */
  readonly output?: string;
  /** push <s3://bucket/prefix>: the mirror to upload to. */
  readonly pushTo?: string;
};

/**
 * Commands named by a word rather than a flag (`add`, whose flags differ, is parsed on its own):
 * how many operands follow the word, what to say when they do not, and the flags it refuses.
 */
const COMMAND_WORDS = {
  lock: { operands: 0, usage: "lock takes no argument: model-manager lock [--refresh] [--json]", check: (options: CliOptions) => checkLockCommand("lock", options) },
  sbom: { operands: 0, usage: "sbom takes no argument: model-manager sbom [--output FILE]", check: (options: CliOptions) => checkLockCommand("sbom", options) },
  push: { operands: 1, usage: "push needs one mirror URL: model-manager push s3://bucket/prefix", check: checkPushCommand },
} as const;
type CommandWord = keyof typeof COMMAND_WORDS;

export type ParsedCommandLine = { readonly kind: "help" } | { readonly kind: "version" } | { readonly kind: "run"; readonly options: CliOptions } | ParsedAdd;

/** The action flags: the parsed option, the flag as typed, the action it asks for (in the order messages name them). */
const ACTION_FLAGS = [
  { key: "list", flag: "--list", action: "list" },
  { key: "verifyOnly", flag: "--verify-only", action: "verify-only" },
  { key: "clean", flag: "--clean", action: "clean" },
  { key: "cleanModel", flag: "--clean-model", action: "clean-model" },
  { key: "cacheKey", flag: "--cache-key", action: "cache-key" },
] as const;

export function buildCli() {
  const cli = cac("model-manager");
  cli
    .usage("[options]\n  $ model-manager add <repo_id>[@revision] [--id ID] [--files PATTERN…] (see add --help)\n\nDownload, verify and cache the Hugging Face models listed in a YAML configuration.")
    .option("-c, --config <path>", "Configuration file (default: config/model_manager/models.yaml, or models.minimal.yaml when CI_MINIMAL_MODELS is set)")
    .option("--cache-dir <dir>", "Cache directory (overrides cache_dir from the configuration)")
    .option("--model <id>", "Only this model (repeatable)")
    .option("--list", "List the configured models and their cache status")
    .option("--verify-only", "Verify cached models without any network request")
    .option("--verify <level>", "Verification level for this run: none, size or sha256")
    .option("--clean", "Remove every configured model from the cache")
    .option("--clean-model <id>", "Remove one model from the cache (repeatable)")
    .option("--dry-run", "Show what would be downloaded or removed; change nothing")
    .option("--refresh", "Update cached models whose branch or tag moved on the Hub (with --list: only show which are behind)")
    .option("--cache-key", "Print a stable key of the configured models (for CI caches)")
    .option("--locked", "Fail (exit 2) unless the committed lock exists and matches the configuration")
    .option("--frozen", "Use the committed lock as it is: no revision or file-list request to the Hub")
    .option("--output <file>", "sbom: write the document to this file instead of stdout")
    .option("--json", "Machine-readable output on stdout (one JSON object, schemaVersion 1)")
    .option("-q, --quiet", "Print nothing but errors")
    .option("-v, --verbose", "Log every request, retry and resume")
    .option("-V, --version", "Print the version and exit");
  for (const example of HELP_EXAMPLES) cli.example(`  ${example}`);
  cli.help(helpSections);
  // Parsing must not print: the entry point decides what goes where.
  cli.showHelpOnExit = false;
  return cli;
}

/** The help as text: cac prints it with console.info, whose failures (`--help > /dev/full`) nobody would hear of. */
export function helpText(): string {
  const printed: unknown[] = [];
  const print = console.info;
  console.info = (...parts: unknown[]) => void printed.push(parts.join(" "));
  try {
    buildCli().outputHelp();
  } finally {
    console.info = print;
  }
  return `${printed.join("\n")}\n`;
}

/** Parses argv (without the program and script entries). Usage problems raise UsageError. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const cli = buildCli();
  // `-c models.yaml add org/x`: the options before the word are add's too.
  const addAt = addWordIndex(argv, cli);
  if (addAt !== -1) return parseAddCommandLine([...argv.slice(addAt + 1), ...argv.slice(0, addAt)]);
  let options: Record<string, unknown>;
  let command: CommandWord | undefined;
  let operands: string[] = [];
  const switches = cli.globalCommand.options.filter((option) => option.isBoolean);
  try {
    rejectMisreadArguments(argv, new Set(flagSpellings(switches)));
    const parsed = parseWithCac(cli, argv);
    if (parsed.options.help) return { kind: "help" };
    if (parsed.options.version) return { kind: "version" };
    cli.globalCommand.checkUnknownOptions();
    cli.globalCommand.checkOptionValue();
    command = commandWordOf(parsed.args);
    if (!command) cli.globalCommand.checkUnusedArgs();
    else {
      operands = parsed.args.slice(1).map(String);
      if (operands.length !== COMMAND_WORDS[command].operands) throw new UsageError(COMMAND_WORDS[command].usage);
    }
    options = switchesGivenTwiceAsOnce(withTypedValues(parsed.options, argv, cli.globalCommand.options), switches.map((option) => option.name));
  } catch (error) {
    throw usageErrorFrom(error, flagSpellings(cli.globalCommand.options));
  }
  const validated = validate(options);
  if (command) {
    rejectActionFlags(command, options);
    COMMAND_WORDS[command].check(validated);
  }
  if (validated.output !== undefined && command !== "sbom") throw new UsageError("--output applies to the sbom command only");
  if (!command) return { kind: "run", options: validated };
  return { kind: "run", options: { ...validated, action: command, ...(command === "push" ? { pushTo: operands[0] } : {}) } };
}

/**
 * The action a command line asks for, read without checking the line: the --json result of a line
 * that could not be parsed still names it. `add` has its own parser.
 */
export function requestedAction(argv: readonly string[]): CliOptions["action"] | "add" {
  const cli = buildCli();
  if (addWordIndex(argv, cli) !== -1) return "add";
  const parsed = parseWithCac(cli, argv);
  return commandWordOf(parsed.args) ?? chosenActionFlags(parsed.options)[0]?.action ?? "download";
}

function addWordIndex(argv: readonly string[], cli: ReturnType<typeof buildCli>): number {
  return firstOperandIndex(argv, "add", new Set(flagSpellings(cli.globalCommand.options.filter((option) => !option.isBoolean))));
}

function flagSpellings(options: readonly { rawName: string }[]): string[] {
  return options.flatMap((option) => option.rawName.split(/[ ,]+/).filter((part) => part.startsWith("-")));
}

function parseWithCac(cli: ReturnType<typeof buildCli>, argv: readonly string[]) {
  return cli.parse(["model-manager", "model-manager", ...argv], { run: false });
}

/** The command word, if the first operand is one (`--config FILE push …`: the value of an option is not an operand). */
function commandWordOf(operands: readonly unknown[]): CommandWord | undefined {
  const [first] = operands;
  return typeof first === "string" && Object.hasOwn(COMMAND_WORDS, first) ? (first as CommandWord) : undefined;
}

/** The action flags (--list, --clean, …) given on the command line. */
function chosenActionFlags(raw: Record<string, unknown>) {
  return ACTION_FLAGS.filter(({ key }) => raw[key] !== undefined && raw[key] !== false);
}

/** A command word takes no action flag. */
function rejectActionFlags(command: string, raw: Record<string, unknown>): void {
  const [action] = chosenActionFlags(raw);
  if (action) throw new UsageError(`${action.flag} cannot be used with the ${command} command`);
}

function checkLockCommand(command: "lock" | "sbom", options: CliOptions): void {
  if (options.dryRun) throw new UsageError(`--dry-run does not apply to the ${command} command`);
  if (command === "lock" && options.lockMode !== "update") throw new UsageError(`--${options.lockMode} does not apply to the lock command, which writes the lock`);
  if (options.models.length > 0) throw new UsageError(`--model does not apply to the ${command} command, which covers every configured model`);
  if (command === "sbom" && options.refresh) throw new UsageError("--refresh does not apply to the sbom command, which only reads the lock");
  if (command === "sbom" && options.json) throw new UsageError("--json does not apply to the sbom command, which prints a CycloneDX JSON document anyway");
}

function checkPushCommand(options: CliOptions): void {
  if (options.dryRun || options.output !== undefined || options.verify !== undefined) {
    throw new UsageError(`${options.dryRun ? "--dry-run" : options.output !== undefined ? "--output" : "--verify"} does not apply to the push command (it verifies every file by sha256)`);
  }
}

/** The values of value-taking options as strings, as typed (cac would turn "0100" into 100). */
function withTypedValues(parsed: Record<string, unknown>, argv: readonly string[], cliOptions: readonly { name: string; names: string[]; isBoolean?: boolean }[]): Record<string, unknown> {
  const aliases = new Map(cliOptions.filter((option) => !option.isBoolean).flatMap((option) => option.names.map((name) => [name, option.name] as const)));
  const options = { ...parsed };
  for (const [name, values] of typedValues(argv, aliases)) {
    const parsedCount = Array.isArray(parsed[name]) ? (parsed[name] as unknown[]).length : parsed[name] === undefined ? 0 : 1;
    if (parsedCount === values.length) options[name] = values.length === 1 ? values[0] : values;
  }
  return options;
}

function validate(raw: Record<string, unknown>): CliOptions {
  const chosen = chosenActionFlags(raw);
  if (chosen.length > 1) throw new UsageError(`${chosen.map(({ flag }) => flag).join(" and ")} cannot be used together`);
  const verify = raw.verify === undefined ? undefined : verifyLevel(raw.verify);
  const models = stringList(raw.model, "--model");
  const cleanModels = stringList(raw.cleanModel, "--clean-model");
  const action: CliOptions["action"] = chosen[0]?.action ?? "download";
  /** The action flag as typed, for the messages below. */
  const chosenName = chosen[0]?.flag;
  if (raw.quiet && raw.verbose) throw new UsageError("--quiet and --verbose cannot be used together");
  if (raw.refresh && (raw.locked || raw.frozen)) {
    throw new UsageError(`--refresh moves models and rewrites the lock; it cannot be used with ${raw.locked ? "--locked" : "--frozen"}, which keep the lock as it is`);
  }
  if (raw.locked && raw.frozen) throw new UsageError("--locked and --frozen cannot be used together (--frozen does not compare the lock with the configuration)");
  if ((raw.locked || raw.frozen) && (action === "list" || action === "verify-only" || action === "clean" || action === "clean-model")) {
    throw new UsageError(`${raw.locked ? "--locked" : "--frozen"} applies to downloads, --cache-key and sbom, not to ${chosenName}`);
  }
  if (raw.dryRun && (action === "list" || action === "verify-only" || action === "cache-key")) {
    throw new UsageError(`--dry-run does not apply to ${chosenName}, which changes nothing anyway`);
  }
  if (raw.refresh && action !== "download" && action !== "list") {
    throw new UsageError(`--refresh does not apply to ${chosenName}; it works with a download, --dry-run and --list`);
  }
  if (action === "clean-model" && models.length > 0) throw new UsageError("--model does not apply to --clean-model, which names the models it removes itself");
  return {
    action,
    config: optionalString(raw.config, "--config"),
    cacheDir: optionalString(raw.cacheDir, "--cache-dir"),
    models,
    cleanModels,
    verify,
    dryRun: raw.dryRun === true,
    refresh: raw.refresh === true,
    json: raw.json === true,
    quiet: raw.quiet === true,
    verbose: raw.verbose === true,
    lockMode: raw.frozen === true ? "frozen" : raw.locked === true ? "locked" : "update",
    output: optionalString(raw.output, "--output"),
  };
}

function verifyLevel(value: unknown): VerifyLevel {
  if (Array.isArray(value)) throw new UsageError("--verify can be given only once");
  return choiceArgument(value, VERIFY_LEVELS, "--verify");
}

function optionalString(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new UsageError(`${flag} can be given only once`);
  if (typeof value !== "string" && typeof value !== "number") throw new UsageError(`${flag} needs a value`);
  const text = String(value);
  if (text.trim() === "") throw new UsageError(`${flag} needs a non-empty value`);
  return text;
}

function stringList(value: unknown, flag: string): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.map((item) => {
    if (typeof item !== "string" && typeof item !== "number") throw new UsageError(`${flag} needs a model id`);
    const text = String(item);
    if (text.trim() === "") throw new UsageError(`${flag} needs a non-empty model id`);
    return text;
  });
}

/** `flags`: every spelling of the known options (`--list`, `-q`). */
function usageErrorFrom(error: unknown, flags: readonly string[]): UsageError {
  const message = messageOf(error);
  const unknown = /^Unknown option `(.+)`$/.exec(message);
  if (unknown?.[1]) {
    const hint = closestMatch(unknown[1], flags);
    return new UsageError(`unknown option ${unknown[1]}${hint ? ` (did you mean ${hint}?)` : ""}; see --help`);
  }
  const missing = /^option `(.+)` value is missing$/.exec(message);
  if (missing?.[1]) return new UsageError(`option ${missing[1]} needs a value`);
  const unused = /^Unused args: (.+)$/.exec(message);
  if (unused?.[1]) {
    const words = unused[1].replaceAll("`", "");
    const hint = strayWordHint(words.split(", ")[0] ?? "", ["add", ...Object.keys(COMMAND_WORDS)], flags.filter((flag) => flag.startsWith("--")));
    return new UsageError(`unexpected argument${words.includes(",") ? "s" : ""} ${words}${hint ? ` (did you mean ${hint}?); see --help` : "; options start with --, see --help"}`);
  }
  return new UsageError(message);
}
