import { readFileSync } from "node:fs";
import { ConfigurationError } from "../errors.ts";

/**
 * The text of a configuration file. Each way of failing says so plainly:
 * not found, a directory, unreadable, not UTF-8, empty.
 */
export function readConfigText(absolutePath: string, shownAs: string): string {
  const fail = (message: string): never => {
    throw new ConfigurationError(shownAs, [{ path: "", message }]);
  };
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(absolutePath);
  } catch (error) {
    return fail(readFailure(error));
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return fail("is not UTF-8 text");
  }
  if (text.length === 0) return fail("the file is empty");
  if (text.trim() === "") return fail("the file contains only whitespace");
  return text;
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "file not found";
    case "ENOTDIR":
      return "file not found (part of the path is a file, not a folder)";
    case "EISDIR":
      return "is a directory, not a configuration file";
    case "EACCES":
    case "EPERM":
      return "cannot be read: permission denied";
    default:
      return `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
