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
      issues.push({ path: formatPath(path), message: issue.message + tildeHint(issue.input, locator.writtenAs(path), path), ...locator.locate(path) });
    }
  }
  return result.success && issues.length === 0 ? { ok: true, config: result.output } : { ok: false, issues };
}

/** `cache_dir: ~` means "my home directory" to a shell user, but YAML reads a lone `~` as null. */
function tildeHint(input: unknown, written: string | undefined, path: readonly PathKey[]): string {
  if (input !== null || written !== "~") return "";
  return `; a lone ~ is YAML for "no value"${path.length === 1 && path[0] === "cache_dir" ? ', write "~" in quotes for your home directory' : ""}`;
}
