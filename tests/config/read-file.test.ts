import { describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath } from "../helpers/binary.ts";
import { project } from "../helpers/hub-scenario.ts";
import { cleanEnv, DEAD_ENDPOINT, finished, runCli, spawnCli } from "../helpers/run-cli.ts";

describe("a configuration file that is not YAML text", () => {
  test("names the line, the column and the byte (a Latin-1 é after a valid UTF-8 one)", async () => {
    const cwd = project("");
    const latin1 = Buffer.concat([Buffer.from("models:\n  - id: caf\u00e9\n    repo_id: org/caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    writeFileSync(join(cwd, "models.yaml"), latin1);
    const run = await runCli(["-c", "models.yaml", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: models.yaml: is not UTF-8 text: line 3, column 21 has the byte 0xE9; save it as UTF-8\n");
  });
  test("YAML nested deeper than the parser's stack is one problem in words, not 'Maximum call stack size exceeded' per level", async () => {
    const cwd = project("");
    writeFileSync(join(cwd, "models.yaml"), `models: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`);
    const run = await runCli(["-c", "models.yaml", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: Invalid configuration \(1 problem\):\n {2}models\.yaml:1:\d+: is nested too deeply to be read \(thousands of levels of brackets or indentation\)\n$/);
  });
  test("UTF-16 (Notepad's Unicode, either byte order) is named as such", async () => {
    const cwd = project("");
    const text = "models:\r\n  - id: q\r\n    repo_id: org/q\r\n";
    const littleEndian = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const bigEndian = Buffer.from(littleEndian).swap16();
    for (const bytes of [littleEndian, bigEndian]) {
      writeFileSync(join(cwd, "models.yaml"), bytes);
      const run = await runCli(["-c", "models.yaml", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe("error: models.yaml: is not UTF-8 text: it is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8\n");
    }
  });
  test("a weights file or a device given as the configuration is refused by size, not read until memory runs out", async () => {
    const cwd = project("");
    writeFileSync(join(cwd, "model.safetensors"), "");
    truncateSync(join(cwd, "model.safetensors"), 3 * 2 ** 30);
    for (const config of ["model.safetensors", ...(existsSync("/dev/zero") ? ["/dev/zero"] : [])]) {
      const run = await runCli(["-c", config, "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`error: ${config}: is larger than 16 MiB, too large for a configuration (is it the file you meant?)\n`);
    }
  });
});

describe("a configuration read from a pipe", () => {
  test("a fifo nobody writes to: Ctrl-C stops the wait (exit 130), the read does not hold the run", async () => {
    const cwd = project("");
    const fifo = join(cwd, "models.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const proc = await spawnCli(["-c", fifo, "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    // Returns once the run has opened the fifo to read it; nothing is ever written.
    const writer = openSync(fifo, "w");
    try {
      proc.kill("SIGINT");
      const run = await finished(proc);
      expect(run.code).toBe(130);
      expect(run.stdout).toBe("");
    } finally {
      closeSync(writer);
      proc.kill("SIGKILL");
    }
  });

  test("`cat models.yaml | model-manager -c /dev/stdin` reads the piped configuration", async () => {
    const cwd = project("");
    const proc = Bun.spawn([await binaryPath(), "-c", "/dev/stdin", "--list"], {
      cwd,
      env: cleanEnv({ HF_ENDPOINT: DEAD_ENDPOINT }),
      stdin: new Blob([`cache_dir: cache\nmodels:\n  - id: piped\n    repo_id: org/piped\n`]),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    expect(code).toBe(0);
    expect(stdout).toContain("piped");
  });
});
