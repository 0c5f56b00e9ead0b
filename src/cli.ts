#!/usr/bin/env bun
/** The model-manager command: a thin layer over the library in src/. */
import { ExitCode, InterruptedError, ModelManagerError } from "./errors.ts";
import { ADD_HELP } from "./commands/add-options.ts";
import { buildCli, parseCommandLine } from "./commands/options.ts";
import { versionLine } from "./version.ts";

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof ModelManagerError ? error.exitCode : ExitCode.usage;
  }
  if (parsed.kind === "help") {
    buildCli().outputHelp();
    return ExitCode.ok;
  }
  if (parsed.kind === "version") {
    process.stdout.write(`${versionLine()}\n`);
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

process.exitCode = await main(process.argv.slice(2));
