/**
 * examples/Dockerfile.python-hf without a Docker engine: its models stage's command runs against
 * the local hub with the stage's HF_HOME, the final stage is checked to read the same cache offline,
 * and huggingface_hub (when Python is available) finds the model there by repo id with HF_HUB_OFFLINE=1.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, tempDir } from "../helpers/binary.ts";
import { startHub } from "../helpers/hub-scenario.ts";
import { pythonSkipReason, runPython } from "../helpers/python-venv.ts";
import { runCli } from "../helpers/run-cli.ts";
import { demoRepos, type LocalHub, type RepoDecl } from "../local-hub/index.ts";
import { copyArgs, parseDockerfile, runCommand, type Stage } from "../release/dockerfile.ts";

const REPO = "sentence-transformers/all-MiniLM-L6-v2";
/** The demo's small all-MiniLM (the real repository's file layout) under the L6 name. */
const MINILM: RepoDecl = { ...(demoRepos().find((repo) => repo.id.endsWith("all-MiniLM-L12-v2")) as RepoDecl), id: REPO };
const dockerfile = parseDockerfile(readFileSync(join(REPO_ROOT, "examples", "Dockerfile.python-hf"), "utf8"));

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [MINILM] });
});
afterAll(() => hub.stop());

function envOf(stage: Stage): Record<string, string> {
  const pairs = stage.instructions.filter((i) => i.op === "ENV").flatMap((i) => i.args.split(/\s+/).filter((word) => word.includes("=")));
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]));
}

test("Dockerfile.python-hf: model-manager fills $HF_HOME/hub at build time and the Python stage reads that cache offline", async () => {
  const [models, app] = dockerfile.stages as [Stage, Stage];
  expect(models.name).toBe("models");
  const hfHome = envOf(models).HF_HOME as string;
  expect(envOf(app)).toMatchObject({ HF_HOME: hfHome, HF_HUB_OFFLINE: "1" });
  expect(app.instructions.some((i) => i.op === "COPY" && i.args === `--from=models ${hfHome} ${hfHome}`)).toBe(true);

  // The models stage, in a folder standing for its filesystem.
  const root = tempDir("mm-docker-models");
  const config = models.instructions.map((i) => (i.op === "COPY" ? copyArgs(i.args) : undefined)).find((copy) => copy?.sources[0]?.endsWith(".yaml"));
  if (!config) throw new Error("the models stage copies no configuration");
  copyFileSync(join(REPO_ROOT, config.sources[0] as string), join(root, config.destination));
  const command = runCommand(models.instructions.find((i) => i.op === "RUN")?.args ?? "");
  if (!("shell" in command)) throw new Error("expected a shell RUN");
  const [program, ...args] = command.shell.split(/\s+/);
  expect(program).toBe("model-manager");
  const run = await runCli(args.map((arg) => (arg.startsWith("/") ? join(root, arg) : arg)), { cwd: root, env: { HF_HOME: join(root, hfHome), HF_ENDPOINT: hub.url } });
  expect(run.stderr).not.toContain("error");
  expect(run.code).toBe(0);
  const commit = hub.file(REPO, "modules.json")!.commit;
  const snapshot = join(root, hfHome, "hub", "models--sentence-transformers--all-MiniLM-L6-v2", "snapshots", commit);
  expect(lstatSync(join(snapshot, "1_Pooling", "config.json")).isSymbolicLink()).toBe(true);

  const skip = pythonSkipReason();
  if (skip) {
    console.warn(`the Python side of Dockerfile.python-hf is not checked: ${skip}`);
    return;
  }
  const python = await runPython(
    `import json; from huggingface_hub import scan_cache_dir, snapshot_download; print(json.dumps([snapshot_download("${REPO}"), [str(w) for w in scan_cache_dir().warnings]]))`,
    { HOME: tempDir("mm-pyhome"), HF_HOME: join(root, hfHome), HF_HUB_OFFLINE: "1" },
  );
  expect(python.stderr).toBe("");
  expect(python.value).toEqual([snapshot, []]);
}, 120_000);
