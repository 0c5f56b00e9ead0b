import { resolve } from "node:path";

export const FULL_CONFIG_FILE = "config/model_manager/models.yaml";
export const MINIMAL_CONFIG_FILE = "config/model_manager/models.minimal.yaml";
export const MINIMAL_MODELS_ENV = "CI_MINIMAL_MODELS";

const TRUTHY = new Set(["true", "1", "yes"]);

/** Seed contract: `true`, `1` or `yes` in any case; anything else, empty included, means no. */
export function wantsMinimalModels(env: Readonly<Record<string, string | undefined>>): boolean {
  return TRUTHY.has((env[MINIMAL_MODELS_ENV] ?? "").toLowerCase());
}

/** The configuration file used when none is given, resolved against `cwd`. */
export function defaultConfigPath(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  return resolve(cwd, wantsMinimalModels(env) ? MINIMAL_CONFIG_FILE : FULL_CONFIG_FILE);
}
