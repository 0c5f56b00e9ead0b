import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "bun:test";
import { project } from "../helpers/hub-scenario.ts";
import { parseJsonOutput } from "../helpers/json-contract.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";

describe("command line", () => {
  test("--help lists every flag, the exit codes and the environment, and exits 0", async () => {
    const run = await runCli(["--help"]);
    expect(run.code).toBe(0);
    for (const flag of ["-c, --config", "--cache-dir", "--model", "--list", "--verify-only", "--verify", "--clean", "--clean-model", "--dry-run", "--json", "--quiet", "--verbose", "--version", "--cache-key", "--refresh"]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain("Exit codes:");
    expect(run.stdout).toContain("130  interrupted");
    expect(run.stdout).toContain("HF_TOKEN");
    expect(run.stdout).toContain("Examples:");
    expect(run.stdout.split("\n").filter((line) => line !== line.trimEnd())).toEqual([]);
  });

  test("-h is --help", async () => {
    const run = await runCli(["-h"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--verify-only");
  });

  test("-c is --config", async () => {
    const cwd = project("models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    const short = await runCli(["-c", "models.yaml", "--cache-key"], { cwd });
    const long = await runCli(["--config", "models.yaml", "--cache-key"], { cwd });
    expect(short.code).toBe(0);
    expect(short.stdout).toMatch(/^model-manager-v1-[0-9a-f]{32}\n$/);
    expect(short.stdout).toBe(long.stdout);
    const missing = await runCli(["-c", "nowhere.yaml", "--list"], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nowhere.yaml");
  });

  test("an unknown flag is a usage error with a hint", async () => {
    const run = await runCli(["--lsit"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option --lsit");
    expect(run.stderr).toContain("did you mean --list?");
    expect(run.stdout).toBe("");
  });

  test("a positional argument is a usage error", async () => {
    const run = await runCli(["models.yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unexpected argument models.yaml");
  });

  test("a mistyped command or a flag without its dashes gets a hint", async () => {
    const cases: Array<[string[], string]> = [
      [["lok"], "unexpected argument lok (did you mean lock?)"],
      [["sbm"], "(did you mean sbom?)"],
      [["puhs", "s3://b/p"], "unexpected arguments puhs, s3://b/p (did you mean push?)"],
      [["ad", "org/x"], "(did you mean add?)"],
      [["list"], "unexpected argument list (did you mean --list?)"],
      [["lst"], "(did you mean --list?)"],
      [["download", "--model", "x"], "unexpected argument download (did you mean model-manager with no command, which downloads?)"],
      [["pull"], "(did you mean model-manager with no command, which downloads?)"],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
    // A one-letter flag is a typo only of its other case, never of another letter.
    expect((await runCli(["-Q"])).stderr).toContain("unknown option -Q (did you mean -q?)");
    expect((await runCli(["-x"])).stderr).toBe("error: unknown option -x; see --help\n");
    expect((await runCli(["add", "acme/x", "-x"])).stderr).toBe("error: add: unknown option -x; see model-manager add --help\n");
    const far = await runCli(["xyzzy"]);
    expect(far.stderr).toBe("error: unexpected argument xyzzy; options start with --, see --help\n");
  });

  test("a flag without its value is a usage error", async () => {
    const run = await runCli(["--config"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--config <path> needs a value");
  });

  test("two actions at once are refused", async () => {
    const run = await runCli(["--list", "--verify-only"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--list and --verify-only cannot be used together");
  });

  test("--verify takes only the documented levels", async () => {
    const run = await runCli(["--verify", "md5", "--list"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--verify must be one of "none", "size", "sha256", found "md5"');
    const typo = await runCli(["--verify", "SHA-256", "--list"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe('error: --verify must be one of "none", "size", "sha256", found "SHA-256" (did you mean "sha256"?)\n');
  });

  test("--quiet and --verbose contradict each other", async () => {
    const run = await runCli(["-q", "-v", "--list"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--quiet and --verbose cannot be used together");
  });

  test("--dry-run is refused where it means nothing", async () => {
    const run = await runCli(["--list", "--dry-run"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--dry-run does not apply to --list");
  });

  test("--version prints model-manager's version and commit, not Bun's", async () => {
    const run = await runCli(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^model-manager \d+\.\d+\.\d+\S* \((?:[0-9a-f]{7,}(?:-dirty)?|unknown)\)\n$/);
    expect(run.stdout).not.toContain("bun-v");
  });

  test("--json --version prints the version in the --json envelope; --json --help is still the text help", async () => {
    const text = await runCli(["--version"]);
    const [, version = "", commit = ""] = /^model-manager (\S+) \((\S+)\)\n$/.exec(text.stdout) ?? [];
    for (const args of [["--json", "--version"], ["-V", "--json"], ["lock", "--json", "--version"]]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(parseJsonOutput(run.stdout, "version")).toEqual({ schemaVersion: 1, command: "version", ok: true, exitCode: 0, version, commit, models: [] });
    }
    const help = await runCli(["--json", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await runCli(["--help"])).stdout);
  });

  test("an invalid HF_ENDPOINT is a usage error naming the variable", async () => {
    const run = await runCli(["--list"], { env: { HF_ENDPOINT: "ftp://mirror" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("HF_ENDPOINT must be an http(s) URL");
  });

  test("an HF_ENDPOINT without its scheme gets the URL it most likely meant", async () => {
    const cases: Array<[string, string]> = [
      ["huggingface.co", 'error: HF_ENDPOINT is not a valid URL: "huggingface.co" (did you mean "https://huggingface.co"?)\n'],
      ["localhost:8977", 'error: HF_ENDPOINT must be an http(s) URL, but its scheme is "localhost" (did you mean "http://localhost:8977"?)\n'],
      ["not a url", 'error: HF_ENDPOINT is not a valid URL: "not a url"\n'],
    ];
    for (const [endpoint, message] of cases) {
      const run = await runCli(["--list"], { env: { HF_ENDPOINT: endpoint } });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(message);
    }
  });
  test("a --no- form of a flag is unknown, never the flag itself (--no-clean removes nothing)", async () => {
    const cwd = project("models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    for (const flag of ["--no-clean", "--no-list", "--no-verify-only", "--no-json"]) {
      const run = await runCli(["-c", "models.yaml", flag, "--dry-run"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`unknown option ${flag}`);
      expect(run.stdout).toBe("");
    }
  });

  test("a boolean flag given twice counts once (--dry-run --dry-run still changes nothing)", async () => {
    const cwd = project("models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    // A quarantined copy is model-manager's own: --clean removes it (a folder it did not write, it never would).
    const quarantined = join(cwd, "models", ".model-manager", "quarantine", "q");
    mkdirSync(quarantined, { recursive: true });
    writeFileSync(join(quarantined, "config.json"), "{}");
    const clean = await runCli(["-c", "models.yaml", "--clean", "--dry-run", "--dry-run"], { cwd });
    expect(clean.code).toBe(0);
    expect(clean.stdout + clean.stderr).toContain("would remove");
    expect(existsSync(join(quarantined, "config.json"))).toBe(true);
    const json = await runCli(["-c", "models.yaml", "--json", "--json", "--cache-key"], { cwd });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).command).toBe("cache-key");
  });

  test("a value flag given twice says so", async () => {
    const run = await runCli(["--verify", "size", "--verify", "sha256", "--verify-only"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--verify can be given only once");
  });

  test("arguments after -- and a lone - are refused, not ignored", async () => {
    const cwd = project("models:\n  - id: q\n    repo_id: Qwen/Qwen3-0.6B\n");
    for (const args of [["--", "--list"], ["--list", "--", "extra"], ["--list", "-"]]) {
      const run = await runCli(["-c", "models.yaml", ...args], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`unexpected argument ${args.at(-1)}`);
      expect(run.stdout).toBe("");
    }
  });

  test("-c with its value glued on (-cmodels.yaml) says how to write it, not \"unknown option -m\"", async () => {
    const run = await runCli(["-cmodels.yaml", "--list"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("error: -c takes its value as the next argument: write -c models.yaml (or --config=models.yaml), not -cmodels.yaml\n");
  });
  test("a value given to a switch is refused, naming the switch", async () => {
    const run = await runCli(["--list=yes"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--list takes no value");
  });
  test("--model with --clean-model is refused, not ignored", async () => {
    const run = await runCli(["--model", "a", "--clean-model", "b"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--model does not apply to --clean-model");
  });
});
