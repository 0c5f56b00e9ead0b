/** Wording shared by configuration messages: what a value is, how a list of choices reads. */

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (typeof value === "string") return `a string (${quote(value)})`;
  if (typeof value === "number" || typeof value === "bigint") return `a number (${value})`;
  if (typeof value === "boolean") return `a boolean (${value})`;
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

/** YAML reads unquoted `2024`, `1.0` or `true` as a number or boolean, not as text. */
export function quotingHint(value: unknown): string {
  return typeof value === "number" || typeof value === "boolean" ? "; put it in quotes to make it a string" : "";
}

const MAX_QUOTED = 60;

export function quote(text: string): string {
  const shown = text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
  return JSON.stringify(shown);
}

export function quoteAll(choices: readonly string[]): string {
  return choices.map(quote).join(", ");
}
