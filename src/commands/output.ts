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
