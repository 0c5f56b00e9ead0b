import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { isMap, isSeq, parseDocument } from "yaml";
import { dirname, relative, resolve } from "node:path";
import { writeNamedFile } from "../cache/write-named-file.ts";
import { appendModel, type ModelEntry } from "../config/append-model.ts";
import { defaultConfigPath } from "../config/default-path.ts";
import { loadModelsConfig, parseModelsConfig } from "../config/load.ts";
import { readConfigText } from "../config/read-file.ts";
import { ConfigurationError, exitCodeOf, messageOf, UsageError } from "../errors.ts";
import type { AddOptions } from "./add-options.ts";

export type AddEnvironment = {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
};

/**
 * `model-manager add`: appends a model to the configuration file (created when missing), after
 * checking the result with the same rules as any load. Nothing is written when a check fails.
 */
export function runAdd(options: AddOptions, environment: AddEnvironment): number {
  try {
    const path = options.config ? resolve(environment.cwd, options.config) : defaultConfigPath(environment.env, environment.cwd);
    const shownAs = options.config ?? relative(environment.cwd, path);
    const exists = existsSync(path);
    const text = exists ? readExisting(path, shownAs) : "";
    const entry = modelEntry(options);
    // An empty or comments-only file, or a placeholder `models: []`, is a start, not an error (the
    // result is checked below); anything else must already load.
    if (hasModels(text)) {
      const current = loadModelsConfig(path, { cwd: environment.cwd, env: environment.env });
      const taken = current.models.find((model) => model.id === entry.id);
      if (taken) {
        throw new UsageError(`${shownAs} already has a model "${entry.id}" (${taken.repoId}@${taken.revision}); choose another id with --id`);
      }
    }
    const updated = appendModel(text, entry);
    try {
      parseModelsConfig(updated, { sourceName: shownAs, cwd: environment.cwd, env: environment.env });
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      // Line numbers would point into a file that was not written; the place in the document says enough.
      const problems = error.issues.map((issue) => `  ${issue.path ? `${issue.path}: ` : ""}${issue.message}`);
      throw new UsageError(`cannot add "${entry.id}" to ${shownAs}, nothing was written:\n${problems.join("\n")}`);
    }
    mkdirSync(dirname(path), { recursive: true });
    writeNamedFile(path, startsWithByteOrderMark(path, exists) ? `\uFEFF${updated}` : updated, "the configuration");
    if (!options.quiet) {
      const revision = options.revision ? `@${options.revision}` : "";
      process.stderr.write(`added "${entry.id}" (${options.repoId}${revision}) to ${shownAs}${exists ? "" : " (new file)"}; run model-manager${options.config ? ` -c ${options.config}` : ""} to download it\n`);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${messageOf(error)}\n`);
    return exitCodeOf(error);
  }
}

/** The file's text; unlike a load, an empty or blank file is fine (it gets its first model). */
function readExisting(path: string, shownAs: string): string {
  try {
    return readConfigText(path, shownAs);
  } catch (error) {
    if (error instanceof ConfigurationError && statSync(path).isFile()) {
      const text = readFileSync(path, "utf8");
      if (text.trim() === "") return text;
    }
    throw error;
  }
}

function hasModels(text: string): boolean {
  if (text.trim() === "") return false;
  const contents = parseDocument(text).contents;
  if (contents === null) return false;
  const models = isMap(contents) ? contents.get("models", true) : undefined;
  return !(isSeq(models) && models.items.length === 0);
}

/** The text was read without its byte order mark; a file that had one keeps it. */
function startsWithByteOrderMark(path: string, exists: boolean): boolean {
  if (!exists) return false;
  const head = readFileSync(path).subarray(0, 3);
  return head.length === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
}

/** The entry as it will read in the file: only what was asked for, defaults left implicit. */
function modelEntry(options: AddOptions): ModelEntry & { id: string } {
  const id = options.id ?? options.repoId.slice(options.repoId.lastIndexOf("/") + 1);
  return {
    id,
    repo_id: options.repoId,
    ...(options.revision === undefined ? {} : { revision: options.revision }),
    ...(options.localDir === undefined ? {} : { local_dir: options.localDir }),
    ...(options.files === undefined ? {} : { files: options.files }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
  };
}
