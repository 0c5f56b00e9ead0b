import type { FailedRunOutput } from "../output/json-schema.ts";
import { requestedAction } from "./options.ts";

type JsonCommand = FailedRunOutput["command"];

/**
 * The command a command line asks for, read from argv alone: the --json result of a line that
 * could not be parsed still names it. Undefined for the commands without a JSON result (add, sbom).
 */
export function jsonCommandOfArgv(argv: readonly string[]): JsonCommand | undefined {
  const action = requestedAction(argv);
  if (action === "add" || action === "sbom") return undefined;
  return action === "download" && argv.includes("--dry-run") ? "dry-run" : action;
}
