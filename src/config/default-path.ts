import { ConfigurationError } from "../errors.ts";
import { statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { environmentArgument, stringArgument } from "../api-arguments.ts";

export const FULL_CONFIG_FILE = "config/model_manager/models.yaml";
export const MINIMAL_CONFIG_FILE = "config/model_manager/models.minimal.yaml";
export const MINIMAL_MODELS_ENV = "CI_MINIMAL_MODELS";

const TRUTHY = new Set(["true", "1", "yes"]);

/** Seed contract: `true`, `1` or `yes` in any case; anything else, empty included, means no. */
export function wantsMinimalModels(env: Readonly<Record<string, string | undefined>>): boolean {
  return TRUTHY.has((env[MINIMAL_MODELS_ENV] ?? "").toLowerCase());
}

/** The configuration file used when none is given, resolved against `cwd`. */
export function defaultConfigPath(env: Readonly<Record<string, string | undefined>> = process.env, cwd: string = process.cwd()): string {
  environmentArgument(env, "defaultConfigPath: env");
  stringArgument(cwd, "defaultConfigPath: cwd");
  return resolve(cwd, wantsMinimalModels(env) ? MINIMAL_CONFIG_FILE : FULL_CONFIG_FILE);
}

/**
 * The configurations a user without one at the default path most likely meant: a models.yaml in
 * the working folder (the README's `-c models.yaml`), or the default file in a folder above it
 * (run from a subfolder of the project).
 */
function likelyMeant(path: string): string[] {
  const cwd = resolve(path, "..", "..", "..");
  const isFile = (candidate: string) => {
    // A hint must never replace the error it hints at: a file named like a folder on the way (ENOTDIR)
    // or a folder we may not read (EACCES) is simply not a configuration.
    try {
      return statSync(candidate, { throwIfNoEntry: false })?.isFile() === true;
    } catch {
      return false;
    }
  };
  const hints: string[] = [];
  const here = ["models.yaml", "models.yml"].find((name) => isFile(join(cwd, name)));
  if (here) hints.push(`  This folder has ${here}: model-manager -c ${here}`);
  // Not `-c ../…`: a relative cache_dir is resolved against the working folder, so the cache would move too.
  const file = relative(cwd, path);
  for (let folder = cwd; folder !== dirname(folder); ) {
    folder = dirname(folder);
    if (isFile(join(folder, file))) {
      hints.push(`  ${folder} has one: run model-manager from there`);
      break;
    }
  }
  return hints;
}

/**
 * The first-run message: no file at the default path. Says where it looked and the three ways
 * on: another file, the smallest file that works, or `model-manager add`, which creates it.
 */
export function missingDefaultConfigError(path: string, env: Readonly<Record<string, string | undefined>> = {}): ConfigurationError {
  // Said, because the user may well have a models.yaml and not know a CI variable picked the other file.
  const why = wantsMinimalModels(env) ? ` (${MINIMAL_MODELS_ENV}=${env[MINIMAL_MODELS_ENV]} picks models.minimal.yaml instead of models.yaml)` : "";
  return new ConfigurationError(path, [
    {
      path: "",
      message: [
        `no configuration file at the default path${why}.`,
        ...likelyMeant(path),
        "  Name one with --config <file> (or -c <file>), or create this one; two lines are enough:",
        "    models:",
        "      - { id: all-MiniLM-L6-v2, repo_id: sentence-transformers/all-MiniLM-L6-v2 }",
        "  Or let `model-manager add <repo_id>` create it with its first model.",
      ].join("\n"),
    },
  ]);
}
