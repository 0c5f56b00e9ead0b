import { closestMatch, type ConfigIssue } from "../errors.ts";
import { quote } from "./describe.ts";
import { type DocumentLocator, type DocumentPath, formatPath } from "./positions.ts";
import { CONFIG_KEYS, isMapping, MIRROR_KEYS, MODEL_KEYS } from "./schema.ts";

/** Every key the schema does not know, at the top level and in each model, with a did-you-mean hint. */
export function unknownKeyIssues(value: unknown, locator: DocumentLocator): ConfigIssue[] {
  if (!isMapping(value)) return [];
  const issues = unknownKeysIn(value, [], CONFIG_KEYS, locator);
  if (Array.isArray(value.models)) {
    value.models.forEach((model, index) => {
      if (isMapping(model)) issues.push(...unknownKeysIn(model, ["models", index], MODEL_KEYS, locator));
    });
  }
  // Secrets never go in the file: an access key here is an unknown key, not silently ignored.
  if (isMapping(value.mirror)) issues.push(...unknownKeysIn(value.mirror, ["mirror"], MIRROR_KEYS, locator));
  return issues;
}

function unknownKeysIn(
  mapping: Record<string, unknown>,
  path: DocumentPath,
  allowed: readonly string[],
  locator: DocumentLocator,
): ConfigIssue[] {
  return Object.keys(mapping)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      path: formatPath([...path, key]),
      message: unknownKeyMessage(key, allowed),
      ...locator.locate([...path, key], "key"),
    }));
}

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const hint = closestMatch(key, allowed);
  if (hint) return `unknown key ${quote(key)}; did you mean ${quote(hint)}?`;
  return `unknown key ${quote(key)}; the keys allowed here are ${allowed.join(", ")}`;
}
