import { fsFailureWords } from "../cache/fs-errors.ts";

/** Results go to stdout, one write per line; everything for people goes through the logger to stderr. */
export type ResultWriter = {
  line(text: string): void;
  json(value: unknown): void;
};

export const stdoutWriter: ResultWriter = {
  line(text) {
    writeResult(`${text}\n`);
  },
  json(value) {
    writeResult(`${JSON.stringify(value, null, 2)}\n`);
  },
};

/**
 * stdout that cannot take more: a reader that has gone (`| head`, `| grep -q`: EPIPE) wanted
 * no more, so the run goes on quietly; any other failure (a full disk under `> file`) loses
 * results, so it is said once on stderr and the run cannot end with 0.
 */
const stdoutState: { closed: boolean; failed: boolean } = { closed: false, failed: false };

function writeResult(text: string): void {
  if (stdoutState.closed) return;
  try {
    process.stdout.write(text);
  } catch (error) {
    stdoutError(error);
  }
}

/** Also the handler of stdout's "error" event, for failures reported after the write. */
export function stdoutError(error: unknown): void {
  if (stdoutState.closed) return;
  stdoutState.closed = true;
  const failure = error as NodeJS.ErrnoException | undefined;
  if (failure?.code === "EPIPE") return;
  stdoutState.failed = true;
  process.stderr.write(`error: the results could not be written to stdout (${failure?.code ? fsFailureWords(failure) : String(error)}); they are lost\n`);
  if (process.exitCode === 0) process.exitCode = 1;
}

/** The exit code, unless results were lost on the way out. */
export function exitCodeWithStdout(code: number): number {
  return code === 0 && stdoutState.failed ? 1 : code;
}

/** Holds result lines back while progress bars own the terminal, and prints them once the bars are gone. */
export class DeferredWriter implements ResultWriter {
  private readonly lines: string[] = [];

  constructor(private readonly target: ResultWriter) {}

  line(text: string): void {
    this.lines.push(text);
  }

  json(value: unknown): void {
    this.lines.push(JSON.stringify(value, null, 2));
  }

  flush(): void {
    for (const line of this.lines.splice(0)) this.target.line(line);
  }
}
