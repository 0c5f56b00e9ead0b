import { readFileSync } from "node:fs";
import * as v from "valibot";
import { stringArgument } from "../api-arguments.ts";
import { LockFileError } from "./errors.ts";
import { LOCK_VERSION, type LockFile, LockFileSchema } from "./schema.ts";

const SHOWN_PROBLEMS = 5;

/** The lock at `path`, validated; undefined when there is no such file. */
export function readLock(path: string): LockFile | undefined {
  stringArgument(path, "readLock: path");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LockFileError(`Cannot read the lock ${path}: ${(error as Error).message}`);
  }
  return parseLock(text, path);
}

/** Validates lock text; `shownAs` names the file in errors. */
export function parseLock(text: string, shownAs: string): LockFile {
  let value: unknown;
  try {
    // An editor may have saved it with a byte order mark, which JSON.parse refuses.
    value = JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
  } catch (error) {
    throw new LockFileError(`${shownAs}: not valid JSON (${(error as Error).message})`);
  }
  const version = typeof value === "object" && value !== null ? (value as Record<string, unknown>).lockVersion : undefined;
  if (typeof version === "number" && version > LOCK_VERSION) {
    throw new LockFileError(
      `${shownAs}: lockVersion ${version} was written by a newer model-manager; this one reads lockVersion ${LOCK_VERSION}. Upgrade model-manager (or delete the lock and run "model-manager lock" to write it again).`,
    );
  }
  const result = v.safeParse(LockFileSchema, value);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => `  ${shownAs}: ${fieldPath(issue.path)}${issue.type === "strict_object" ? "unknown field (not part of lockVersion 1)" : issue.message}`);
  const more = problems.length > SHOWN_PROBLEMS ? [`  … and ${problems.length - SHOWN_PROBLEMS} more`] : [];
  return failWith(`Invalid lock file ${shownAs}; fix it or delete it and run "model-manager lock":\n${[...problems.slice(0, SHOWN_PROBLEMS), ...more].join("\n")}`);
}

/** `models[0].files[3].sha256: `, or "" for the whole document. */
export function fieldPath(path: readonly { key: unknown }[] | undefined): string {
  if (!path || path.length === 0) return "";
  const text = path.map((item) => (typeof item.key === "number" ? `[${item.key}]` : `.${String(item.key)}`)).join("").replace(/^\./, "");
  return `${text}: `;
}

function failWith(message: string): never {
  throw new LockFileError(message);
}
