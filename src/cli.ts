#!/usr/bin/env bun
/** The model-manager command: a thin layer over the library in src/. */
import { ExitCode, InterruptedError, messageOf, ModelManagerError } from "./errors.ts";
import { ADD_HELP } from "./commands/add-options.ts";
import { helpText, parseCommandLine } from "./commands/options.ts";
import { exitCodeWithStdout, stdoutError } from "./commands/output.ts";
import { versionJson, versionLine } from "./version.ts";

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`error: ${messageOf(error)}\n`);
    const exitCode = error instanceof ModelManagerError ? error.exitCode : ExitCode.usage;
    if (argv.includes("--json")) await printFailedRunJson(argv, exitCode, error);
    return exitCode;
  }
  if (parsed.kind === "help") {
    process.stdout.write(helpText());
    return ExitCode.ok;
  }
  if (parsed.kind === "version") {
    // --json: the version as JSON; --help stays text (it is for a person, --json or not).
    process.stdout.write(argv.includes("--json") ? `${JSON.stringify(versionJson(), null, 2)}\n` : `${versionLine()}\n`);
    return ExitCode.ok;
  }
  if (parsed.kind === "add-help") {
    process.stdout.write(ADD_HELP);
    return ExitCode.ok;
  }
  if (parsed.kind === "add") {
    const { runAdd } = await import("./commands/add.ts");
    return runAdd(parsed.options, { env: process.env, cwd: process.cwd() });
  }
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    // A second signal means "now": partial state written so far is already on disk.
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    controller.abort(new InterruptedError(signal));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Loaded only now: --version and --help stay fast because the YAML parser and the engine are not evaluated.
  const { runCommand } = await import("./commands/run.ts");
  return runCommand(parsed.options, { env: process.env, cwd: process.cwd(), signal: controller.signal });
}

/** With --json, even a command line that cannot be parsed answers in the documented shape on stdout. */
async function printFailedRunJson(argv: readonly string[], exitCode: number, error: unknown): Promise<void> {
  // Loaded only here: the JSON contract pulls in valibot, which --version and --help do not need.
  const [{ jsonCommandOfArgv }, { failedRunJson }] = await Promise.all([import("./commands/json-command.ts"), import("./output/json-report.ts")]);
  const command = jsonCommandOfArgv(argv);
  if (command) process.stdout.write(`${JSON.stringify(failedRunJson(command, exitCode, error), null, 2)}\n`);
}

process.stdout.on("error", stdoutError);
process.exitCode = exitCodeWithStdout(await main(process.argv.slice(2)));
// Interrupted: what is worth keeping is written; a push's part still in flight (Bun's S3 write
// takes no signal) must not hold the exit for seconds. Stopped once the output is out.
if (process.exitCode === ExitCode.interrupted) process.stderr.write("", () => process.stdout.write("", () => process.exit(ExitCode.interrupted)));
