import { withoutUrlQueries } from "../hub/urls.ts";

/**
 * Messages for people go to stderr (results go to stdout). Every line passes
 * through redaction so a secret can never be printed, whatever a caller builds.
 */

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  /** Suppressed by --quiet. */
  info(message: string): void;
  /** Only with -v/--verbose. */
  debug(message: string): void;
  readonly verbose: boolean;
}

export type LoggerOptions = {
  readonly quiet?: boolean;
  readonly verbose?: boolean;
  /** Values that must never appear in output (the Hub token). */
  readonly secrets?: readonly string[];
  readonly write?: (line: string) => void;
};

export class ConsoleLogger implements Logger {
  readonly verbose: boolean;
  private readonly quiet: boolean;
  private readonly secrets: readonly string[];
  private write: (line: string) => void;

  constructor(options: LoggerOptions = {}) {
    this.quiet = options.quiet ?? false;
    this.verbose = !this.quiet && (options.verbose ?? false);
    this.secrets = (options.secrets ?? []).filter((secret) => secret.length >= 4);
    this.write = options.write ?? ((line) => process.stderr.write(`${line}\n`));
  }

  /** Lets a live progress display print lines above its bars. */
  redirect(write: (line: string) => void): () => void {
    const previous = this.write;
    this.write = write;
    return () => {
      this.write = previous;
    };
  }

  error(message: string): void {
    this.emit(`error: ${message}`);
  }

  warn(message: string): void {
    if (!this.quiet) this.emit(`warning: ${message}`);
  }

  info(message: string): void {
    if (!this.quiet) this.emit(message);
  }

  debug(message: string): void {
    if (this.verbose) this.emit(`[debug] ${message}`);
  }

  private emit(message: string): void {
    // Signed CDN URLs are credentials too: whatever builds a line, no URL keeps its query.
    this.write(withoutUrlQueries(redactSecrets(message, this.secrets)));
  }
}

export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  verbose: false,
};

function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && result.includes(secret)) result = result.split(secret).join("[REDACTED]");
  }
  return result;
}
