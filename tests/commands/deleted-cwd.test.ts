/**
 * A working directory removed under the shell: the Bun runtime checks it (getcwd) before any of
 * model-manager runs, so no command can start there, --version and --help included. What users get is
 * pinned here, with the README's words: one line naming the cause, exit 1. If a Bun upgrade lets the
 * program start, this test fails and the CLI should then answer --version/--help and name the folder.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { binaryPath, run, tempDir } from "../helpers/binary.ts";
import { cleanEnv } from "../helpers/run-cli.ts";

const GONE = "error: The current working directory was deleted, so that command didn't work. Please cd into a different directory and try again.";

async function inRemovedFolder(args: readonly string[]) {
  const folder = join(tempDir("deleted-cwd"), "gone");
  // The shell enters the folder, removes it, then becomes the binary: its working directory is gone.
  return run(["sh", "-c", 'mkdir "$1" && cd "$1" && rmdir "$1" && shift && exec "$@"', "sh", folder, await binaryPath(), ...args], { env: cleanEnv() });
}

describe("a working directory that was deleted", () => {
  for (const args of [["--version"], ["--help"], ["--list"], ["add", "acme/x"]]) {
    test(`model-manager ${args.join(" ")}: one line naming the cause, exit 1`, async () => {
      const result = await inRemovedFolder(args);
      expect(result.stdout).toBe("");
      expect(result.stderr.trim()).toBe(GONE);
      expect(result.code).toBe(1);
    });
  }
});
