import { closestMatch, UsageError } from "../errors.ts";

/**
 * Argument shapes cac (mri) accepts but reads differently from what the user meant:
 * `--no-clean` becomes `clean: false`, which still selects the action; `--dry-run` twice
 * becomes `[true, true]`, which is not `true`; `--list=yes` turns "yes" into a positional;
 * anything after `--` and a lone `-` are dropped in silence; `-cmodels.yaml` reads as the
 * switches -c -m -o… and fails on "-m".
 *
 * `switches`: every spelling of the options that take no value (`--list`, `-q`).
 */
export function rejectMisreadArguments(argv: readonly string[], switches: ReadonlySet<string>): void {
  const end = argv.indexOf("--");
  const after = end === -1 ? undefined : argv[end + 1];
  if (after !== undefined) throw new UsageError(`unexpected argument ${after} after --; model-manager takes no file arguments, see --help`);
  for (const arg of end === -1 ? argv : argv.slice(0, end)) {
    if (arg === "-") throw new UsageError("unexpected argument -; the configuration is given with --config <path>, see --help");
    if (/^--no-./.test(arg)) throw new UsageError(`unknown option ${arg.split("=")[0]}; leave the flag out instead, see --help`);
    if (/^-c[^=]/.test(arg)) throw new UsageError(`-c takes its value as the next argument: write -c ${arg.slice(2)} (or --config=${arg.slice(2)}), not ${arg}`);
    const equals = arg.indexOf("=");
    const name = equals === -1 ? arg : arg.slice(0, equals);
    if (equals !== -1 && switches.has(name)) throw new UsageError(`${name} takes no value (got ${arg})`);
  }
}

/** A switch given twice (`--dry-run --dry-run`) means the same as once. */
export function switchesGivenTwiceAsOnce(options: Record<string, unknown>, switchNames: readonly string[]): Record<string, unknown> {
  const result = { ...options };
  for (const name of switchNames) {
    const value = result[name];
    if (Array.isArray(value) && value.every((each) => each === true)) result[name] = true;
  }
  return result;
}

/**
 * Where `word` stands as the first operand of argv (`-c models.yaml add org/x`), or -1:
 * the value of an option (`--config add`) is not an operand. `valueFlags`: the options that take a value.
 */
export function firstOperandIndex(argv: readonly string[], word: string, valueFlags: ReadonlySet<string>): number {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") return -1;
    if (!arg.startsWith("-") || arg === "-") return arg === word ? index : -1;
    if (valueFlags.has(arg)) index++;
  }
  return -1;
}

/** Words other tools use for what model-manager does with no command at all. */
const DOWNLOAD_WORDS = new Set(["download", "ensure", "fetch", "get", "install", "pull", "sync"]);

/** A stray word read as a mistyped command (`lok`: lock), a flag without its dashes (`list`: --list), or `download`. */
export function strayWordHint(word: string, commands: readonly string[], longFlags: readonly string[]): string | undefined {
  if (DOWNLOAD_WORDS.has(word.toLowerCase())) return "model-manager with no command, which downloads";
  const command = closestMatch(word, commands);
  if (command) return command;
  const flag = closestMatch(word, longFlags.map((name) => name.replace(/^--/, "")));
  return flag ? `--${flag}` : undefined;
}
