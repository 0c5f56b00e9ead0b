import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runCli } from "../helpers/run-cli.ts";
import { json, type LocalHub } from "../local-hub/index.ts";

const REPO = "acme/tiny";
const FILES = { "config.json": json({ tiny: true }) };
const model = (id: string, extra = "") => `models:\n  - id: "${id}"\n    repo_id: ${REPO}\n${extra}`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());

describe("command-line values stay strings", () => {
  test("--cache-dir 0100, --model 007 and --config 1e2 are the folder, model and file so named", async () => {
    const cwd = tempDir("mm-strings");
    writeFileSync(join(cwd, "1e2"), model("007"));
    const run = await runAgainst(hub, ["--config", "1e2", "--cache-dir", "0100", "--model", "007", "-q"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`007\t${join(cwd, "0100", "007")}\n`);
    expectSameBytes(hub, REPO, ["config.json"], join(cwd, "0100", "007"));
    expect(existsSync(join(cwd, "100"))).toBe(false);
  });

  test("the = form and repeated flags keep their strings too", async () => {
    const cwd = tempDir("mm-strings");
    writeFileSync(join(cwd, "010"), `${model("007")}${model("08").replace("models:\n", "")}`);
    const run = await runCli(["--config=010", "--cache-dir=00", "--model=007", "--model", "08", "-q"], { cwd, env: { HF_ENDPOINT: hub.url } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`007\t${join(cwd, "00", "007")}\n08\t${join(cwd, "00", "08")}\n`);
  });
});

describe("~ and environment variables in cache_dir", () => {
  const home = () => {
    const dir = tempDir("mm-home");
    mkdirSync(join(dir, "work"));
    return dir;
  };

  test("cache_dir: ~/models is the home directory's models folder, never a folder named ~", async () => {
    const homeDir = home();
    const cwd = project(`cache_dir: ~/models\n${model("m")}`);
    const run = await runAgainst(hub, ["-q"], { cwd, env: { HOME: homeDir } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`m\t${join(homeDir, "models", "m")}\n`);
    expectSameBytes(hub, REPO, ["config.json"], join(homeDir, "models", "m"));
    expect(readdirSync(cwd)).toEqual(["models.yaml"]);
  });

  test("--cache-dir ~/other that the shell did not expand means the home directory too", async () => {
    const homeDir = home();
    const cwd = project(model("m"));
    const run = await runAgainst(hub, ["--cache-dir=~/other", "-q"], { cwd, env: { HOME: homeDir } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`m\t${join(homeDir, "other", "m")}\n`);
    expect(readdirSync(cwd)).toEqual(["models.yaml"]);
  });

  test("$VAR and ${VAR} are expanded; a variable that is not set is a configuration error naming it (exit 2)", async () => {
    const base = tempDir("mm-var");
    const cwd = project(`cache_dir: \${MM_TEST_BASE}/$MM_TEST_NAME\n${model("m")}`);
    const run = await runAgainst(hub, ["-q"], { cwd, env: { MM_TEST_BASE: base, MM_TEST_NAME: "cache" } });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`m\t${join(base, "cache", "m")}\n`);

    const unset = await runAgainst(hub, ["-q"], { cwd, env: { MM_TEST_BASE: base } });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("models.yaml:1:12: cache_dir: uses $MM_TEST_NAME, which is not set in the environment");
    expect(readdirSync(cwd)).toEqual(["models.yaml"]);
  });

  test("a --cache-dir problem names the flag, not the library's option", async () => {
    const cwd = project(model("m"));
    for (const [value, problem] of [["${MM_TEST_UNSET}/x", "uses $MM_TEST_UNSET, which is not set in the environment"], ["~nobody/x", '"~nobody" (another user\'s home) is not supported']] as const) {
      const run = await runAgainst(hub, ["-q", "--cache-dir", value, "--list"], { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).not.toContain("cacheDir option");
      expect(run.stderr).toContain(`--cache-dir: ${problem}`);
    }
  });
});
