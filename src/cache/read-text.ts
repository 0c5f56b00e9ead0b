import { readFileSync } from "node:fs";

/** The file's text, or undefined when it cannot be read (absent, a folder, unreadable): for state whose absence is normal. */
export function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
