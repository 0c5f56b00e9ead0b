import { afterAll, expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigIssue, ConfigurationError } from "../../src/errors.ts";
import { loadModelsConfig } from "../../src/config/load.ts";
import type { ModelsConfig } from "../../src/config/types.ts";

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "model-manager-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;

/** Writes `text` to a new file in `dir` and returns its path. */
export function writeConfig(dir: string, text: string, name = `models-${++counter}.yaml`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function loadText(dir: string, text: string): ModelsConfig {
  return loadModelsConfig(writeConfig(dir, text), { cwd: dir });
}

/** Loads `text`, expects a ConfigurationError, and returns it. */
export function configError(dir: string, text: string): ConfigurationError {
  const path = writeConfig(dir, text);
  try {
    loadModelsConfig(path, { cwd: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error("expected a ConfigurationError");
}

/** The single issue at `path`; fails when there is none or more than one. */
export function issueAt(error: ConfigurationError, path: string): ConfigIssue {
  const found = error.issues.filter((issue) => issue.path === path);
  if (found.length !== 1) {
    throw new Error(`expected one issue at ${path}, found ${found.length}:\n${error.message}`);
  }
  return found[0] as ConfigIssue;
}

/** A models list entry, as YAML lines indented under `models:`. */
export function model(id: string, repoId = `org/${id.replaceAll("/", "-")}`, extra = ""): string {
  return `  - id: ${JSON.stringify(id)}\n    repo_id: ${repoId}\n${extra}`;
}
