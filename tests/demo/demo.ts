/**
 * `bun run demo`: the main job, offline. Builds the binary, starts the local Hub (small copies of
 * three of the shipped models) in its own process, and runs the real binary against it: a cold
 * download with its real progress output, a warm run, --list and --verify-only.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const WORK = join(ROOT, ".demo");
const BINARY = join(ROOT, "dist", "model-manager");
/** Caps each connection so the progress display is visible; unthrottled it all takes well under a second. */
const BANDWIDTH = "25MB";

const CONFIG = `# Three of the shipped models, served by the local Hub.
cache_dir: models
verify: sha256
models:
  - id: all-MiniLM-L12-v2
    repo_id: sentence-transformers/all-MiniLM-L12-v2
  - id: category_classifier_modernbert-base_model
    repo_id: LLM-Semantic-Router/category_classifier_modernbert-base_model
  - id: Qwen/Qwen3-0.6B
    repo_id: Qwen/Qwen3-0.6B
    local_dir: Qwen/Qwen3-0.6B
`;

function heading(text: string): void {
  const bold = process.stderr.isTTY ? ["\x1b[1m", "\x1b[0m"] : ["", ""];
  process.stderr.write(`\n${bold[0]}== ${text}${bold[1]}\n`);
}

async function run(command: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<number> {
  process.stderr.write(`$ ${command.map((part) => (part === BINARY ? "model-manager" : part)).join(" ")}\n`);
  const proc = Bun.spawn(command, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ["inherit", "inherit", "inherit"] });
  return proc.exited;
}

async function startHub(): Promise<{ url: string; admin: string; stop: () => Promise<void> }> {
  const hub = Bun.spawn(["bun", join(ROOT, "tests", "local-hub", "main.ts"), "--preset", "demo", "--bandwidth", BANDWIDTH, "--data-dir", join(WORK, "hub-data")], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = hub.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the local hub exited before it was ready");
    text += new TextDecoder().decode(value);
  }
  const ready = JSON.parse(text.slice(0, text.indexOf("\n"))) as { url: string; admin: string };
  return {
    ...ready,
    stop: async () => {
      hub.kill("SIGTERM");
      await hub.exited;
    },
  };
}

async function hubRequestCount(admin: string): Promise<number> {
  return ((await (await fetch(`${admin}/stats`)).json()) as { requests: number }).requests;
}

async function main(): Promise<number> {
  heading("Building the binary");
  if ((await run(["bun", "run", "build.ts"])) !== 0) return 1;

  rmSync(join(WORK, "project"), { recursive: true, force: true });
  const project = join(WORK, "project");
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "models.yaml"), CONFIG);

  heading(`Starting the local Hub (offline; ${BANDWIDTH}/s per connection)`);
  const hub = await startHub();
  process.stderr.write(`local Hub at ${hub.url}; project in ${project}\n`);
  const env = { HF_ENDPOINT: hub.url };
  try {
    heading("Cold cache: download and verify (sha256) three models");
    const cold = await run([BINARY, "--config", "models.yaml"], { cwd: project, env });
    if (cold !== 0) return cold;

    heading("Warm cache: the same command again");
    await fetch(`${hub.admin}/requests`, { method: "DELETE" });
    await run([BINARY, "--config", "models.yaml"], { cwd: project, env });
    process.stderr.write(`requests the Hub saw during the warm run: ${await hubRequestCount(hub.admin)}\n`);

    heading("What is in the cache");
    await run([BINARY, "--config", "models.yaml", "--list"], { cwd: project, env });

    heading("Re-hash everything against the index, without the network");
    const verified = await run([BINARY, "--config", "models.yaml", "--verify-only"], { cwd: project, env: { HF_HUB_OFFLINE: "1" } });
    heading(verified === 0 ? "Done: every byte verified" : "Verification failed");
    return verified;
  } finally {
    await hub.stop();
  }
}

process.exitCode = await main();
