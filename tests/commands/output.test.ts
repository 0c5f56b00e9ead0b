import { describe, expect, test } from "bun:test";
import { closeSync, constants, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { project } from "../helpers/hub-scenario.ts";
import { cleanEnv, DEAD_ENDPOINT } from "../helpers/run-cli.ts";

/** A cached-looking project whose --list prints a table (no request needed). */
function listable(): string {
  const cwd = project("models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
  mkdirSync(join(cwd, "models"), { recursive: true });
  return cwd;
}

/** Runs the binary with stdout on `fd` and stderr collected. */
async function runWithStdout(fd: number, args: string[], cwd: string) {
  const proc = Bun.spawn([await binaryPath(), ...args], { cwd, env: cleanEnv({ HF_ENDPOINT: DEAD_ENDPOINT }), stdin: "ignore", stdout: fd, stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  return { code, stderr };
}

describe("results on a stdout that cannot take them", () => {
  test("a reader that has gone (EPIPE, as with | head or | grep -q): no stack trace, the command's own exit code", async () => {
    const cwd = listable();
    const fifo = join(tempDir("mm-fifo"), "out");
    expect(Bun.spawnSync(["mkfifo", fifo]).success).toBe(true);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    closeSync(reader);
    try {
      const run = await runWithStdout(writer, ["-c", "models.yaml", "--list"], cwd);
      expect(run.stderr).not.toContain("EPIPE");
      expect(run.stderr).not.toContain("error");
      expect(run.code).toBe(0);
    } finally {
      closeSync(writer);
    }
  });

  test.skipIf(!existsSync("/dev/full"))("a full disk under > file: said once, exit 1 instead of 0", async () => {
    const cwd = listable();
    const full = openSync("/dev/full", "w");
    try {
      const run = await runWithStdout(full, ["-c", "models.yaml", "--list"], cwd);
      expect(run.stderr).toContain("error: the results could not be written to stdout (no space left on device); they are lost\n");
      expect(run.stderr).not.toContain("    at ");
      expect(run.code).toBe(1);
    } finally {
      closeSync(full);
    }
  });

  test.skipIf(!existsSync("/dev/full"))("--help, add --help, --version and --json --version to a full disk: said, exit 1 (--help was lost silently, exit 0)", async () => {
    const full = openSync("/dev/full", "w");
    try {
      for (const args of [["--help"], ["add", "--help"], ["--version"], ["--json", "--version"]]) {
        const run = await runWithStdout(full, args, listable());
        expect(run.stderr).toBe("error: the results could not be written to stdout (no space left on device); they are lost\n");
        expect(run.code).toBe(1);
      }
    } finally {
      closeSync(full);
    }
  });
});
