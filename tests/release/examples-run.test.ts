/**
 * The examples run as they are, without Docker or GitHub: each Dockerfile's fetch stage runs its
 * shell steps on this machine against a release served locally, its final stage runs the binary
 * in a root filesystem holding only that binary (tests/release/rootfs.ts) with examples/models.yaml
 * as the image gets it, and the GitHub Actions job's `run:` steps run in order with a runner's
 * environment; all against the local hub.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { parse } from "yaml";
import { binaryPath, REPO_ROOT, run, tempDir } from "../helpers/binary.ts";
import { expectSameBytes, sha256OfFile, startHub } from "../helpers/hub-scenario.ts";
import { cleanEnv } from "../helpers/run-cli.ts";
import { demoRepos, type LocalHub, type RepoDecl } from "../local-hub/index.ts";
import { copyArgs, type Dockerfile, parseDockerfile, runCommand, type Stage, stageArgs } from "./dockerfile.ts";
import { BINARY_IN_ROOT, glibcRootfs, isolationUnavailable } from "./rootfs.ts";

const EXAMPLES = join(REPO_ROOT, "examples");
const MODEL_ID = "all-MiniLM-L6-v2";
const noIsolation = isolationUnavailable();

/** The Hub's copy of the example model: the demo's small all-MiniLM (the real repository's file layout) under the L6 name. */
const MINILM: RepoDecl = { ...(demoRepos().find((repo) => repo.id.endsWith("all-MiniLM-L12-v2")) as RepoDecl), id: `sentence-transformers/${MODEL_ID}` };
const MINILM_FILES = Object.keys(MINILM.files ?? {});

let hub: LocalHub;
let release: ReturnType<typeof Bun.serve>;
let releaseDir: string;

beforeAll(async () => {
  hub = await startHub({ repos: [MINILM] });
  // A release as build.ts lays it out: the host build as the glibc x64 artifact, a stand-in for the musl one.
  releaseDir = tempDir("mm-release");
  copyFileSync(await binaryPath(), join(releaseDir, "model-manager-linux-x64"));
  writeFileSync(join(releaseDir, "model-manager-linux-x64-musl"), "stand-in for the musl build\n");
  const sums = ["model-manager-linux-x64", "model-manager-linux-x64-musl"].map((name) => `${sha256OfFile(join(releaseDir, name))}  ${name}`);
  writeFileSync(join(releaseDir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  release = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const file = Bun.file(join(releaseDir, posix.basename(new URL(request.url).pathname)));
      return file.size > 0 ? new Response(file) : new Response("not found", { status: 404 });
    },
  });
}, 120_000);

afterAll(async () => {
  await release?.stop(true);
  await hub?.stop();
});

const readDockerfile = (name: string) => parseDockerfile(readFileSync(join(EXAMPLES, name), "utf8"));

/**
 * Runs a fetch stage's steps on this machine: COPY puts files into a folder standing for the
 * stage's filesystem, RUN runs in `sh` with the stage's ARGs as environment and its absolute
 * paths mapped into that folder. `apk add curl` is the one step left out (curl is here already).
 */
async function runFetchStage(file: Dockerfile, buildArgs: Record<string, string>) {
  const stage = file.stages.find((candidate) => candidate.name === "fetch") as Stage;
  const image = tempDir("mm-fetch-stage");
  const env = { ...cleanEnv(), ...stageArgs(file, stage, { TARGETARCH: "amd64", ...buildArgs }) };
  const absolute = [
    ...stage.instructions.filter((i) => i.op === "COPY").map((i) => copyArgs(i.args).destination),
    ...file.stages.flatMap((s) => s.instructions.filter((i) => i.op === "COPY" && copyArgs(i.args).from === "fetch").flatMap((i) => copyArgs(i.args).sources)),
  ];
  const mapped = (text: string) => absolute.reduce((result, path) => result.replace(new RegExp(`(?<=[\\s"'])${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=$|[\\s"';])`, "g"), join(image, path)), text);
  let last = { code: 0 as number | null, stdout: "", stderr: "" };
  for (const instruction of stage.instructions) {
    if (instruction.op === "COPY") {
      const { sources, destination } = copyArgs(instruction.args);
      mkdirSync(dirname(join(image, destination)), { recursive: true });
      copyFileSync(join(EXAMPLES, sources[0] as string), join(image, destination));
    } else if (instruction.op === "RUN") {
      const command = runCommand(instruction.args);
      if (!("shell" in command)) throw new Error("the fetch stage's steps are shell commands");
      if (command.shell.startsWith("apk add")) {
        expect(command.shell).toBe("apk add --no-cache curl");
        continue;
      }
      last = await run(["sh", "-c", mapped(command.shell)], { cwd: image, env });
      if (last.code !== 0) break;
    }
  }
  return { ...last, installed: join(image, "model-manager") };
}

/**
 * Runs the final stage in a root holding only `binary` (at BINARY_IN_ROOT), its C library and a CA
 * bundle: WORKDIR, COPY from the build context, and the RUN that downloads the models.
 */
async function runFinalStage(file: Dockerfile, binary: string, context: string) {
  const root = await glibcRootfs(binary);
  const stage = file.stages.at(-1) as Stage;
  let workdir = "/";
  let result = { code: null as number | null, stdout: "", stderr: "" };
  for (const instruction of stage.instructions) {
    if (instruction.op === "WORKDIR") workdir = posix.resolve(workdir, instruction.args);
    if (instruction.op === "COPY") {
      const { from, sources, destination } = copyArgs(instruction.args);
      if (from || sources[0] === "dist/model-manager") {
        expect(destination).toBe(BINARY_IN_ROOT);
        continue;
      }
      root.write(posix.resolve(workdir, destination), readFileSync(join(context, sources[0] as string), "utf8"));
    }
    if (instruction.op === "RUN") {
      const command = runCommand(instruction.args);
      const argv = "exec" in command ? command.exec : command.shell.split(/\s+/);
      expect([BINARY_IN_ROOT, "model-manager"]).toContain(argv[0] as string);
      result = await root.run(argv.slice(1), { cwd: workdir, env: { HF_ENDPOINT: hub.url } });
    }
  }
  return { ...result, models: join(root.dir, "models") };
}

/** What SentenceTransformer(folder) reads: modules.json, and every module folder it names that has files on the Hub. */
function expectSentenceTransformerFiles(folder: string): void {
  const modules = JSON.parse(readFileSync(join(folder, "modules.json"), "utf8")) as Array<{ path: string }>;
  expect(modules.length).toBeGreaterThan(1);
  for (const name of ["sentence_bert_config.json", "config.json", "model.safetensors", "tokenizer.json"]) expect(existsSync(join(folder, name))).toBe(true);
  for (const { path } of modules.filter((module) => module.path !== "")) {
    for (const file of MINILM_FILES.filter((name) => name.startsWith(`${path}/`))) expect(existsSync(join(folder, file))).toBe(true);
  }
  expect(MINILM_FILES).toContain("1_Pooling/config.json");
}

describe.skipIf(noIsolation !== undefined)("the Dockerfiles run as they are", () => {
  test("Dockerfile.local: the image from dist/model-manager gets the complete sentence-transformers file set of examples/models.yaml", async () => {
    const result = await runFinalStage(readDockerfile("Dockerfile.local"), await binaryPath(), REPO_ROOT);
    expect(result.stderr).toContain(`${MODEL_ID}: downloaded 10 files`);
    expect(result.code).toBe(0);
    const folder = join(result.models, MODEL_ID);
    expectSentenceTransformerFiles(folder);
    const selected = MINILM_FILES.filter((name) => existsSync(join(folder, name)));
    expect(selected.sort()).toEqual(
      ["1_Pooling/config.json", "config.json", "config_sentence_transformers.json", "model.safetensors", "modules.json", "sentence_bert_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"].sort(),
    );
    expectSameBytes(hub, MINILM.id, selected, folder);
    const ignore = readFileSync(join(EXAMPLES, "Dockerfile.local.dockerignore"), "utf8").split("\n").filter(Boolean);
    expect(ignore).toEqual(["*", "!dist/model-manager", "!examples/models.yaml"]);
  });

  for (const name of ["Dockerfile.debian", "Dockerfile.distroless"]) {
    test(`${name}: fetches the release served locally, checks SHA256SUMS, and the image downloads the example models`, async () => {
      const file = readDockerfile(name);
      const fetched = await runFetchStage(file, { MODEL_MANAGER_RELEASE_BASE: `${release.url.origin}/v0.1.0` });
      expect(fetched.stderr).toBe("");
      expect(fetched.code).toBe(0);
      expect(fetched.stdout).toBe("model-manager-linux-x64: OK\n");
      expect(sha256OfFile(fetched.installed)).toBe(sha256OfFile(join(releaseDir, "model-manager-linux-x64")));
      const result = await runFinalStage(file, fetched.installed, EXAMPLES);
      expect(result.code).toBe(0);
      expectSentenceTransformerFiles(join(result.models, MODEL_ID));
    });
  }
});

describe("the Dockerfiles' release download", () => {
  for (const name of ["Dockerfile.debian", "Dockerfile.distroless", "Dockerfile.alpine"]) {
    test(`${name}: while MODEL_MANAGER_REPO is the placeholder, the build stops with a message saying what to set`, async () => {
      const fetched = await runFetchStage(readDockerfile(name), {});
      expect(fetched.code).toBe(1);
      expect(fetched.stderr).toContain('MODEL_MANAGER_REPO is "your-org/model-manager", a placeholder: pass --build-arg MODEL_MANAGER_REPO=<owner>/<repo>');
      expect(fetched.stderr).toContain("Dockerfile.local");
      expect(existsSync(fetched.installed)).toBe(false);
    });
  }

  test("Dockerfile.alpine installs the musl artifact after checking it; a tampered artifact is refused", async () => {
    const file = readDockerfile("Dockerfile.alpine");
    const base = `${release.url.origin}/v0.1.0`;
    const fetched = await runFetchStage(file, { MODEL_MANAGER_RELEASE_BASE: base });
    expect(fetched.code).toBe(0);
    expect(readFileSync(fetched.installed, "utf8")).toBe("stand-in for the musl build\n");
    const pinnedWrong = await runFetchStage(file, { MODEL_MANAGER_RELEASE_BASE: base, SHA256SUMS_SHA256: "0".repeat(64) });
    expect(pinnedWrong.code).not.toBe(0);
    expect(existsSync(pinnedWrong.installed)).toBe(false);
    const original = readFileSync(join(releaseDir, "model-manager-linux-x64-musl"));
    writeFileSync(join(releaseDir, "model-manager-linux-x64-musl"), "tampered\n");
    try {
      const tampered = await runFetchStage(file, { MODEL_MANAGER_RELEASE_BASE: base });
      expect(tampered.code).not.toBe(0);
      expect(`${tampered.stdout}${tampered.stderr}`).toContain("FAILED");
      expect(existsSync(tampered.installed)).toBe(false);
    } finally {
      writeFileSync(join(releaseDir, "model-manager-linux-x64-musl"), original);
    }
  });
});

type Step = { name?: string; id?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> };

/**
 * Runs the job's `run:` steps in order the way a runner does (bash -eo pipefail, GITHUB_PATH,
 * GITHUB_OUTPUT, expressions substituted); `uses:` steps are checked, not run.
 */
async function runWorkflow(project: string, env: Record<string, string>) {
  const workflow = parse(readFileSync(join(EXAMPLES, "github-actions.yml"), "utf8"));
  const job = workflow.jobs.test as { env: Record<string, string>; steps: Step[] };
  const runner = tempDir("mm-runner");
  const githubPath = join(runner, "path");
  const githubOutput = join(runner, "output");
  writeFileSync(githubPath, "");
  const outputs: Record<string, Record<string, string>> = {};
  const expression = (text: string) =>
    text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_all, name: string) => {
      if (name === "runner.os") return "Linux";
      if (name.startsWith("secrets.")) return "";
      const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(name);
      if (output) return outputs[output[1] as string]?.[output[2] as string] ?? "";
      throw new Error(`no value for the expression ${name}`);
    });
  const ran: Array<{ step: Step; code: number | null; stdout: string; stderr: string }> = [];
  for (const step of job.steps) {
    if (step.uses) continue;
    const paths = readFileSync(githubPath, "utf8").split("\n").filter(Boolean).reverse();
    writeFileSync(githubOutput, "");
    const stepEnv = Object.fromEntries(Object.entries({ ...job.env, ...env, ...step.env }).map(([key, value]) => [key, expression(String(value))]));
    const result = await run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", expression(step.run as string)], {
      cwd: project,
      env: { ...cleanEnv(), ...stepEnv, RUNNER_TEMP: runner, GITHUB_PATH: githubPath, GITHUB_OUTPUT: githubOutput, PATH: [...paths, process.env.PATH].join(":") },
      timeoutMs: 60_000,
    });
    ran.push({ step, ...result });
    if (step.id) outputs[step.id] = Object.fromEntries(readFileSync(githubOutput, "utf8").split("\n").filter(Boolean).map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
    if (result.code !== 0) break;
  }
  return { ran, outputs, steps: job.steps };
}

describe("the GitHub Actions example", () => {
  function ciProject(): string {
    const project = tempDir("mm-ci-project");
    mkdirSync(join(project, "config", "model_manager"), { recursive: true });
    writeFileSync(join(project, "config", "model_manager", "models.minimal.yaml"), `cache_dir: models\nmodels:\n  - id: minilm\n    repo_id: ${MINILM.id}\n    files: [config.json, modules.json, 1_Pooling/]\n`);
    writeFileSync(join(project, "package.json"), JSON.stringify({ scripts: { test: "test -f models/minilm/1_Pooling/config.json" } }));
    return project;
  }

  test("its steps run: install from the release (served locally), cache key, models, the project's tests; warm, no Hub request", async () => {
    const project = ciProject();
    const env = { MODEL_MANAGER_REPO: "example/model-manager", MODEL_MANAGER_RELEASE_BASE: `${release.url.origin}/v0.1.0`, HF_ENDPOINT: hub.url };
    const cold = await runWorkflow(project, env);
    for (const step of cold.ran) expect({ step: step.step.name ?? step.step.run, code: step.code, stderr: step.stderr }).toMatchObject({ code: 0 });
    expect(cold.ran.map((step) => step.step.name ?? step.step.run)).toEqual(["Install model-manager", "Model cache key", "Models", "npm test"]);
    const key = cold.outputs.models?.key as string;
    expect(key).toMatch(/^Linux-model-manager-v1-[0-9a-f]{32}$/);
    const cache = cold.steps.find((step) => step.uses?.startsWith("actions/cache@"));
    expect(cache?.with?.key).toBe("${{ steps.models.outputs.key }}");
    const restorePrefixes = (cache?.with?.["restore-keys"] ?? "").split("\n").filter(Boolean).map((line) => line.replace("${{ runner.os }}", "Linux"));
    expect(restorePrefixes.length).toBeGreaterThan(0);
    for (const prefix of restorePrefixes) expect(key.startsWith(prefix)).toBe(true);

    hub.resetLog();
    const warm = await runWorkflow(project, env);
    expect(warm.ran.every((step) => step.code === 0)).toBe(true);
    expect(warm.outputs.models?.key).toBe(key);
    expect(hub.requests).toHaveLength(0);
  });

  test("with MODEL_MANAGER_REPO still the placeholder, the install step fails saying what to set", async () => {
    const { ran } = await runWorkflow(ciProject(), { HF_ENDPOINT: hub.url });
    expect(ran).toHaveLength(1);
    expect(ran[0]?.code).toBe(1);
    expect(ran[0]?.stderr).toContain("::error::MODEL_MANAGER_REPO is the placeholder your-org/model-manager");
  });
});
