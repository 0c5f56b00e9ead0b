/**
 * What a JavaScript caller passed to the library, checked before any work: a UsageError that
 * names the function and the argument, not a TypeError from deep inside (or a silent default).
 */
import { choiceArgument } from "./choice-argument.ts";
import { describeValue } from "./config/describe.ts";
import { isMapping } from "./config/schema.ts";
import { LAYOUTS, type LayoutKind, VERIFY_LEVELS, type VerifyLevel } from "./config/types.ts";
import { UsageError } from "./errors.ts";
import * as v from "valibot";
import type { HubSettings } from "./hub/settings.ts";
import { fieldPath } from "./lockfile/read-lock.ts";
import { LockFileSchema } from "./lockfile/schema.ts";
import type { CacheLocation } from "./layout/index.ts";
import type { Logger } from "./output/logger.ts";
import type { TransferObserver } from "./transfer/observer.ts";

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

/** A cache folder, or `{ cacheDir, layout?, path? }` (a configuration). */
export function cacheLocationArgument(value: unknown, name: string): CacheLocation {
  if (typeof value === "string") return stringArgument(value, name);
  if (!isMapping(value)) throw new UsageError(`${name} must be a cache folder or { cacheDir, layout }, found ${describeValue(value)}`);
  const layout = optionalLayoutArgument(value.layout, `${name}.layout`);
  const path = value.path === undefined ? undefined : stringArgument(value.path, `${name}.path`);
  return { cacheDir: stringArgument(value.cacheDir, `${name}.cacheDir`), ...(layout ? { layout } : {}), ...(path ? { path } : {}) };
}

/** The shape a ModelManager needs: a cache folder and a list of models (loadModelsConfig gives one). */
export function configArgument(value: unknown, name: string): void {
  if (!isMapping(value) || typeof value.cacheDir !== "string" || !Array.isArray(value.models)) {
    throw new UsageError(`${name} must be a configuration { cacheDir, models, verify } such as loadModelsConfig returns, found ${describeValue(value)}`);
  }
}

/** Hub settings are whole (readHubSettings(env) builds them): a partial object would fail later as "Invalid URL". */
export function hubSettingsArgument(value: unknown, name: string): HubSettings {
  const problem = !isMapping(value)
    ? `found ${describeValue(value)}`
    : typeof value.endpoint !== "string" || !URL.canParse(value.endpoint)
      ? `its endpoint is ${describeValue(value.endpoint)}, not a URL`
      : typeof value.offline !== "boolean"
        ? `its offline is ${describeValue(value.offline)}, not a boolean`
        : !(Number(value.stallTimeoutMs) > 0) || !(Number(value.apiDeadlineMs) > 0)
          ? "its stallTimeoutMs and apiDeadlineMs must be positive numbers"
          : undefined;
  if (problem) throw new UsageError(`${name} must be complete Hub settings such as readHubSettings({ ...process.env, HF_ENDPOINT: "…" }) returns; ${problem}`);
  return value as HubSettings;
}

/** An object the caller implements: one lacking a method would fail at its first call, perhaps mid-download. */
function implementationArgument<T>(value: unknown, methods: readonly string[], name: string, note = ""): T {
  const lacking = isMapping(value) ? methods.filter((method) => typeof value[method] !== "function") : methods;
  if (lacking.length > 0) throw new UsageError(`${name} must have the methods ${methods.join(", ")}${note}; it lacks ${lacking.join(", ")}`);
  return value as T;
}

export function loggerArgument(value: unknown, name: string): Logger {
  return implementationArgument(value, ["error", "warn", "info", "debug"], name, " (console has them)");
}

export function observerArgument(value: unknown, name: string): TransferObserver {
  return implementationArgument(value, ["modelPlanned", "fileStarted", "modelFinished"], name);
}

export function signalArgument(value: unknown, name: string): AbortSignal {
  if (!(value instanceof AbortSignal)) throw new UsageError(`${name} must be an AbortSignal (AbortController's signal), found ${describeValue(value)}`);
  return value;
}

/** Absent (undefined or null) reads as `{}`; anything but an object is refused before `in` or `.key` trips on it. */
export function optionsArgument<T extends object>(value: T | undefined | null, name: string): T {
  if (value === undefined || value === null) return {} as T;
  if (!isMapping(value)) throw new UsageError(`${name} must be an options object, found ${describeValue(value)}`);
  return value;
}

/**
 * The options of a configuration load (loadModelsConfig, parseModelsConfig, ModelManager.fromConfig): each one
 * given has its type, or a cwd of 5 would be a TypeError from node:path. Null reads as absent, as everywhere.
 */
export function loadOptionsArgument<T extends object>(value: T | undefined | null, name: string): T {
  const options = Object.fromEntries(Object.entries(optionsArgument(value, name)).filter(([, option]) => option !== null && option !== undefined));
  for (const key of ["cwd", "cacheDirName", "sourceName"]) optionalStringArgument(options[key], `${name}.${key}`);
  // An empty cacheDir is a configuration problem, said with the file's others (src/config/rules.ts).
  if (options.cacheDir !== undefined && typeof options.cacheDir !== "string") throw new UsageError(`${name}.cacheDir must be a string, found ${describeValue(options.cacheDir)}`);
  if (options.env !== undefined) environmentArgument(options.env, `${name}.env`);
  if (options.onWarning !== undefined && typeof options.onWarning !== "function") throw new UsageError(`${name}.onWarning must be a function, found ${describeValue(options.onWarning)}`);
  return options as T;
}

export function booleanArgument(value: unknown, name: string): boolean {
  if (typeof value !== "boolean") throw new UsageError(`${name} must be true or false, found ${describeValue(value)}`);
  return value;
}

export function stringListArgument(value: unknown, name: string): readonly string[] {
  if (!Array.isArray(value)) throw new UsageError(`${name} must be a list of strings, found ${describeValue(value)}`);
  const wrong = value.findIndex((item) => typeof item !== "string");
  if (wrong >= 0) throw new UsageError(`${name}[${wrong}] must be a string, found ${describeValue(value[wrong])}`);
  return value;
}

/** Environment variables by name, as process.env holds them. */
export function environmentArgument(value: unknown, name: string): Readonly<Record<string, string | undefined>> {
  if (!isMapping(value)) throw new UsageError(`${name} must be environment variables by name, such as process.env, found ${describeValue(value)}`);
  return value as Readonly<Record<string, string | undefined>>;
}

/** A lock as readLock returns it: buildSbom reads every field of every file. */
export function lockArgument(value: unknown, name: string): v.InferOutput<typeof LockFileSchema> {
  const result = v.safeParse(LockFileSchema, value);
  if (result.success) return result.output;
  throw new UsageError(`${name} must be a lock such as readLock returns; ${fieldPath(result.issues[0].path)}${result.issues[0].message}`);
}
