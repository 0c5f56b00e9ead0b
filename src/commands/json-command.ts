import type { FailedRunOutput } from "../output/json-schema.ts";
import { buildCli } from "./options.ts";

type JsonCommand = FailedRunOutput["command"];

const ACTION_FLAGS: ReadonlyArray<readonly [string, JsonCommand]> = [
  ["--list", "list"],
  ["--verify-only", "verify-only"],
  ["--clean-model", "clean-model"],
  ["--clean", "clean"],
  ["--cache-key", "cache-key"],
];

/**
 * The command a command line asks for, read from argv alone: the --json result of a line that
 * could not be parsed still names it. Undefined for the commands without a JSON result (add, sbom).
 */
export function jsonCommandOfArgv(argv: readonly string[]): JsonCommand | undefined {
  if (argv[0] === "add") return undefined;
  const word = commandWordOf(argv);
  if (word === "sbom") return undefined;
  if (word === "lock" || word === "push") return word;
  const action = ACTION_FLAGS.find(([flag]) => argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`)));
  if (action) return action[1];
  return argv.includes("--dry-run") ? "dry-run" : "download";
}

/** The first operand as the parser sees it (`--config FILE push …`: the value of an option is not one). */
function commandWordOf(argv: readonly string[]): string | undefined {
  try {
    const word = buildCli().parse(["model-manager", "model-manager", ...argv], { run: false }).args[0];
    return word === undefined ? undefined : String(word);
  } catch {
    return argv[0];
  }
}
