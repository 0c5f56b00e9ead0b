/** Runs the schema over the parsed YAML and turns valibot issues into placed ConfigIssues. */
import * as v from "valibot";
import type { ConfigIssue } from "../errors.ts";
import { type DocumentLocator, formatPath, type PathKey } from "./positions.ts";
import { configSchema, type RawModelsConfig } from "./schema.ts";
import { unknownKeyIssues } from "./unknown-keys.ts";

export type SchemaResult =
  | { readonly ok: true; readonly config: RawModelsConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

export function validateSchema(value: unknown, locator: DocumentLocator): SchemaResult {
  const result = v.safeParse(configSchema, value, { abortEarly: false });
  const issues = unknownKeyIssues(value, locator);
  if (!result.success) {
    for (const issue of result.issues) {
      const path = (issue.path ?? []).map((item) => item.key as PathKey);
      const written = locator.writtenAs(path);
      const message = asWritten(issue.message, issue.input, written) + tildeHint(issue.input, written, path);
      issues.push({ path: formatPath(path), message, ...locator.locate(path) });
    }
  }
  return result.success && issues.length === 0 ? { ok: true, config: result.output } : { ok: false, issues };
}

/** `cache_dir: ~` means "my home directory" to a shell user, but YAML reads a lone `~` as null. */
function tildeHint(input: unknown, written: string | undefined, path: readonly PathKey[]): string {
  if (input !== null || written !== "~") return "";
  return `; a lone ~ is YAML for "no value"${path.length === 1 && path[0] === "cache_dir" ? ', write "~" in quotes for your home directory' : ""}`;
}

/** `revision: 8218e64` is the number 8.218e+67 to YAML: show what was written beside what it became. */
function asWritten(message: string, input: unknown, written: string | undefined): string {
  if (typeof input !== "number" || written === undefined || written === String(input)) return message;
  return message.replace(`a number (${input})`, `a number (${written}, which YAML reads as ${input})`);
}
