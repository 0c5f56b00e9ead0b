import { UsageError } from "../errors.ts";

/**
 * Argument shapes cac (mri) accepts but reads differently from what the user meant:
 * `--no-clean` becomes `clean: false`, which still selects the action; `--dry-run` twice
 * becomes `[true, true]`, which is not `true`; `--list=yes` turns "yes" into a positional;
 * anything after `--` and a lone `-` are dropped in silence.
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
