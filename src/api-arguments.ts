/**
 * What a JavaScript caller passed to the library, checked before any work: a UsageError that
 * names the function and the argument, not a TypeError from deep inside (or a silent default).
 */
import { describeValue, quote, quoteAll } from "./config/describe.ts";
import { isMapping } from "./config/schema.ts";
import { LAYOUTS, type LayoutKind, VERIFY_LEVELS, type VerifyLevel } from "./config/types.ts";
import { UsageError } from "./errors.ts";
import type { CacheLocation } from "./layout/index.ts";

export { modelSpecFrom as specArgument } from "./config/spec-input.ts";

export function stringArgument(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`${name} must be a non-empty string, found ${describeValue(value)}`);
  return value;
}

/** Absent: undefined, or null as JavaScript callers often write it. */
export function optionalStringArgument(value: unknown, name: string): string | undefined {
  return value === undefined || value === null ? undefined : stringArgument(value, name);
}

export function verifyLevelArgument(value: unknown, name: string): VerifyLevel {
  return choiceArgument(value, VERIFY_LEVELS, name);
}

export function optionalLayoutArgument(value: unknown, name: string): LayoutKind | undefined {
  return value === undefined ? undefined : choiceArgument(value, LAYOUTS, name);
}

/** A cache folder, or `{ cacheDir, layout? }` (a configuration). */
export function cacheLocationArgument(value: unknown, name: string): CacheLocation {
  if (typeof value === "string") return stringArgument(value, name);
  if (!isMapping(value)) throw new UsageError(`${name} must be a cache folder or { cacheDir, layout }, found ${describeValue(value)}`);
  const layout = optionalLayoutArgument(value.layout, `${name}.layout`);
  return { cacheDir: stringArgument(value.cacheDir, `${name}.cacheDir`), ...(layout ? { layout } : {}) };
}

export function choiceArgument<const Choice extends string>(value: unknown, choices: readonly Choice[], name: string): Choice {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as Choice;
  throw new UsageError(`${name} must be one of ${quoteAll(choices)}, found ${typeof value === "string" ? quote(value) : describeValue(value)}`);
}

/** The shape a ModelManager needs: a cache folder and a list of models (loadModelsConfig gives one). */
export function configArgument(value: unknown, name: string): void {
  if (!isMapping(value) || typeof value.cacheDir !== "string" || !Array.isArray(value.models)) {
    throw new UsageError(`${name} must be a configuration { cacheDir, models, verify } such as loadModelsConfig returns, found ${describeValue(value)}`);
  }
}
