/** Results go to stdout, one write per line; everything for people goes through the logger to stderr. */
export type ResultWriter = {
  line(text: string): void;
  json(value: unknown): void;
};

export const stdoutWriter: ResultWriter = {
  line(text) {
    process.stdout.write(`${text}\n`);
  },
  json(value) {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  },
};

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
