/**
 * Enough of a Dockerfile reader to run the examples' steps without a Docker engine: instructions
 * with their continuation lines joined, grouped by stage, ARG defaults, and a RUN's command
 * without its BuildKit flags.
 */

export type Instruction = { readonly op: string; readonly args: string };
export type Stage = { readonly from: string; readonly name?: string; readonly instructions: readonly Instruction[] };
export type Dockerfile = { readonly globalArgs: Readonly<Record<string, string>>; readonly stages: readonly Stage[] };

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending = "";
  for (const line of text.split("\n")) {
    if (pending === "" && (line.trim() === "" || line.trimStart().startsWith("#"))) continue;
    if (pending !== "" && line.trimStart().startsWith("#")) continue; // comments inside a continued instruction
    pending += line.endsWith("\\") ? `${line.slice(0, -1)}\n` : line;
    if (line.endsWith("\\")) continue;
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(pending);
    if (!match) throw new Error(`cannot read the Dockerfile line ${JSON.stringify(pending)}`);
    instructions.push({ op: (match[1] as string).toUpperCase(), args: (match[2] as string).trim() });
    pending = "";
  }
  const globalArgs: Record<string, string> = {};
  const stages: { from: string; name?: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.op === "FROM") {
      const [from, as, name] = instruction.args.split(/\s+/);
      stages.push({ from: from as string, ...(as?.toUpperCase() === "AS" && name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.op === "ARG") Object.assign(globalArgs, argDefault(instruction.args));
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** `NAME=default` → {NAME: default}; `NAME` alone → {} (the global default, if any, applies). */
export function argDefault(args: string): Record<string, string> {
  const equals = args.indexOf("=");
  return equals === -1 ? {} : { [args.slice(0, equals)]: args.slice(equals + 1) };
}

/** The stage's ARG names with their values: its own defaults, else the global ones, else "". */
export function stageArgs(file: Dockerfile, stage: Stage, buildArgs: Readonly<Record<string, string>>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const instruction of stage.instructions.filter((i) => i.op === "ARG")) {
    const name = instruction.args.split("=")[0] as string;
    values[name] = buildArgs[name] ?? argDefault(instruction.args)[name] ?? file.globalArgs[name] ?? "";
  }
  return values;
}

/** A RUN's command: the shell text, or the exec form's argv; BuildKit flags (--mount=…) removed. */
export function runCommand(args: string): { shell: string } | { exec: string[] } {
  const command = args.replace(/^(--[a-z]+=\S+\s+)+/, "");
  return command.startsWith("[") ? { exec: JSON.parse(command) as string[] } : { shell: command };
}

/** COPY's sources and destination (without --from). */
export function copyArgs(args: string): { from?: string; sources: string[]; destination: string } {
  const parts = args.split(/\s+/);
  const from = parts[0]?.startsWith("--from=") ? (parts.shift() as string).slice("--from=".length) : undefined;
  const destination = parts.pop() as string;
  return { ...(from ? { from } : {}), sources: parts, destination };
}
