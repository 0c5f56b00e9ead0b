/** Entry points: a models configuration from a YAML file or text (seed: load_models_config). */
import { resolve } from "node:path";
import { loadOptionsArgument, stringArgument } from "../api-arguments.ts";
import { type ConfigIssue, ConfigurationError, formatConfigIssue, UsageError } from "../errors.ts";
import { describeValue } from "./describe.ts";
import { crossModelIssues } from "./cross-checks.ts";
import { type Environment, expandUserPath } from "./expand-path.ts";
import { toModelsConfig } from "./normalise.ts";
import { ownFileIssues } from "./own-files.ts";
import { parseYaml } from "./parse-yaml.ts";
import { readConfigText, readConfigTextWaiting } from "./read-file.ts";
import { cacheDirProblem } from "./rules.ts";
import type { ModelsConfig } from "./types.ts";
import { validateSchema } from "./validate.ts";
import { ineffectiveSettings } from "./warnings.ts";

/** A valid setting that has no effect; `message` names the file, the place and the model. */
export type ConfigWarning = { readonly issue: ConfigIssue; readonly message: string };

export interface LoadOptions {
  /** Directory a relative config path, `cache_dir` and `cacheDir` are resolved against. Default: process.cwd(). */
  readonly cwd?: string;
  /** Replaces the file's `cache_dir`, like the CLI's `--cache-dir`. */
  readonly cacheDir?: string;
  /** How messages name `cacheDir` (the CLI: "--cache-dir"). Default: "cacheDir option". */
  readonly cacheDirName?: string;
  /** Where `$VAR` and `~` in cache_dir are looked up. Default: process.env. */
  readonly env?: Environment;
  /** Told about settings that load but change nothing (once per load). Default: none. */
  readonly onWarning?: (warning: ConfigWarning) => void;
}

export interface ParseOptions extends LoadOptions {
  /** Name used in error messages. Default: "configuration". */
  readonly sourceName?: string;
}

/** Reads, validates and normalises a configuration file; every problem found is in one ConfigurationError. */
export function loadModelsConfig(path: string, given: LoadOptions = {}): ModelsConfig {
  stringArgument(path, "loadModelsConfig: path");
  const options = loadOptionsArgument(given, "loadModelsConfig: options");
  const cwd = options.cwd ?? process.cwd();
  const absolutePath = resolve(cwd, path);
  const text = readConfigText(absolutePath, path);
  return configFromText(text, path, absolutePath, { ...options, cwd });
}

/** loadModelsConfig for the command: a fifo or terminal nobody writes to leaves `signal` able to stop the wait. */
export async function loadModelsConfigWaiting(path: string, options: LoadOptions & { cwd: string }, signal: AbortSignal): Promise<ModelsConfig> {
  const absolutePath = resolve(options.cwd, path);
  const text = await readConfigTextWaiting(absolutePath, path, signal);
  return configFromText(text, path, absolutePath, options);
}

/** The same as loadModelsConfig, for YAML text that does not come from a file. */
export function parseModelsConfig(source: string, given: ParseOptions = {}): ModelsConfig {
  if (typeof source !== "string") throw new UsageError(`parseModelsConfig: source must be YAML text, found ${describeValue(source)}`);
  const options = loadOptionsArgument(given, "parseModelsConfig: options");
  const { sourceName, ...rest } = options;
  if (source.trim() === "") {
    throw new ConfigurationError(sourceName, [{ path: "", message: source === "" ? "is empty" : "contains only whitespace" }]);
  }
  return configFromText(source, sourceName, undefined, { ...rest, cwd: rest.cwd ?? process.cwd() });
}

function configFromText(
  text: string,
  shownAs: string | undefined,
  absolutePath: string | undefined,
  options: LoadOptions & { cwd: string },
): ModelsConfig {
  const parsed = parseYaml(text);
  const issues: ConfigIssue[] = [...parsed.issues];
  const optionProblem = options.cacheDir === undefined ? undefined : cacheDirProblem(options.cacheDir);
  const cacheDirName = options.cacheDirName ?? "cacheDir option";
  if (optionProblem) issues.push({ path: cacheDirName, message: optionProblem });

  if (parsed.value === undefined) throw new ConfigurationError(shownAs, sortByPlace(issues));
  const schema = validateSchema(parsed.value, parsed.locator);
  if (!schema.ok) issues.push(...schema.issues);
  issues.push(...crossModelIssues(parsed.value, parsed.locator));
  if (!schema.ok || issues.length > 0) throw new ConfigurationError(shownAs, sortByPlace(issues));
  const explicitCacheDir = options.cacheDir ?? schema.config.cache_dir;
  const cacheDir = explicitCacheDir === undefined ? undefined : expandUserPath(explicitCacheDir, options.env ?? process.env);
  if (cacheDir !== undefined && "problem" in cacheDir) {
    const place = options.cacheDir === undefined ? { path: "cache_dir", ...parsed.locator.locate(["cache_dir"]) } : { path: cacheDirName };
    throw new ConfigurationError(shownAs, [{ ...place, message: cacheDir.problem }]);
  }
  for (const issue of ineffectiveSettings(schema.config, parsed.locator)) options.onWarning?.({ issue, message: formatConfigIssue(shownAs, issue) });

  const config = toModelsConfig(schema.config, {
    cwd: options.cwd,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(cacheDir === undefined ? {} : { cacheDirOverride: cacheDir.path }),
    ...(options.cacheDir === undefined ? {} : { cacheDirOverrideName: cacheDirName }),
    ...(absolutePath === undefined ? {} : { path: absolutePath }),
  });
  const ownFiles = ownFileIssues(config, schema.config.models, parsed.locator, options.cacheDir === undefined ? undefined : cacheDirName);
  if (ownFiles.length > 0) throw new ConfigurationError(shownAs, ownFiles);
  return config;
}

/** Issues without a place first, then in file order; the sort is stable. */
function sortByPlace(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
