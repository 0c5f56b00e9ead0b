/** Issue 5's six scenarios: each starts its own hub process, runs the tools, and checks the targets. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compare, type Contender, type ContenderRuns, peakConcurrency, resetDir } from "./compare.ts";
import { HubProcess, type HubOptions } from "./hub-process.ts";
import { measure, type RunSpec, type Sample, summarize } from "./measure.ts";
import { aria2Command, aria2InputFile, curlCommand, curlSha256Command, hfjsCommand } from "./peers.ts";
import type { ScenarioResult, ToolResult } from "./report.ts";
import { formatMs } from "./report.ts";
import { atLeast, atMost, type Target } from "./targets.ts";

export type BenchContext = {
  readonly binary: string;
  readonly runs: number;
  /** Runs of a peer that takes minutes per run. */
  readonly slowPeerRuns: number;
  /** Runs of the millisecond-scale measurements (warm cache, start-up). */
  readonly quickRuns: number;
  readonly workDir: string;
  readonly hubDataDir: string;
  readonly env: Record<string, string | undefined>;
  readonly log: (line: string) => void;
};

type Outcome = Omit<ScenarioResult, "id" | "title">;

export type Scenario = { readonly id: number; readonly title: string; readonly run: (context: BenchContext) => Promise<Outcome> };

export async function runScenario(scenario: Scenario, context: BenchContext): Promise<ScenarioResult> {
  return { id: scenario.id, title: scenario.title, ...(await scenario.run(context)) };
}

const OURS = "model-manager";
const OURS_UNVERIFIED = "model-manager, verify none";
const CURL_HASHING = "curl + openssl sha256";
const VERIFIES_NOTHING = "nothing";
const RSS_LIMIT = 150 * 2 ** 20;
const CDN_BANDWIDTH = 40e6;

type RepoFile = { readonly path: string; readonly size: number };

export const SCENARIOS: readonly Scenario[] = [
  { id: 1, title: "one 2 GiB LFS file, loopback", run: singleLargeFile },
  { id: 2, title: "CDN-like link: 1.2 GiB + 10 small", run: cdnLikeLink },
  { id: 3, title: "2,000 × 8 KiB, 20 ms latency", run: manySmallFiles },
  { id: 4, title: "warm cache, 20 models", run: warmCache },
  { id: 5, title: "start-up", run: startUp },
  { id: 6, title: "--verify-only, 4 × 1 GiB", run: verifyOnly },
];

async function singleLargeFile(context: BenchContext): Promise<Outcome> {
  const repo = "bench/single-2g";
  return withHub(context, { presets: ["bench-2g"] }, async (hub) => {
    const files = await listRepo(hub.url, repo);
    const bytes = totalBytes(files);
    const dir = scenarioDir(context, 1);
    const url = `${hub.url}/${repo}/resolve/main/model.safetensors`;
    const contenders = [
      ours(context, hub, dir, [repo], "sha256", bytes),
      { name: "curl", verifies: VERIFIES_NOTHING, outputDir: join(dir, "curl"), command: { cmd: curlCommand(url, join(dir, "curl", "model.safetensors")), env: context.env }, expectBytes: bytes },
      aria2(context, hub, dir, repo, files, bytes),
      { name: CURL_HASHING, verifies: "sha256 (computed)", outputDir: join(dir, "curl-sha256"), command: { cmd: curlSha256Command(url, join(dir, "curl-sha256", "model.safetensors")), env: context.env }, expectBytes: bytes },
      { ...ours(context, hub, join(dir, "unverified"), [repo], "none", bytes), name: OURS_UNVERIFIED },
    ];
    const { tools, wall } = await compareTools(context, hub, contenders, bytes);
    const mine = find(tools, OURS);
    const ratio = wall(OURS) / wall("curl");
    return {
      setup: `one 2 GiB LFS file on an unthrottled loopback hub; model-manager at its defaults with verify: sha256 (fsync before the atomic rename); curl and aria2c write without fsync; two references: \`${CURL_HASHING}\` (curl piped through tee into \`openssl dgst -sha256\`: what verifying one stream costs with the raw tools) and \`${OURS_UNVERIFIED}\` (the same binary with verify: none, so the difference is what hashing costs on these 2 cores)`,
      tools,
      targets: [
        atMost(1, "wall ≤ 1.15 × curl's, while verifying sha256", ratio, 1.15, `${ratio.toFixed(2)} × curl (${formatMs(wall(OURS))} vs ${formatMs(wall("curl"))})`),
        rssTarget(1, mine),
      ],
      notes: [],
    };
  });
}

async function cdnLikeLink(context: BenchContext): Promise<Outcome> {
  const repo = "bench/mixed";
  return withHub(context, { presets: ["bench-mixed"], bandwidth: "40MB", latencyMs: 20 }, async (hub) => {
    const { files, bytes, runs, tools, wall } = await compareDownloads(context, hub, 2, repo);
    const mine = find(tools, OURS);
    const largest = files.reduce((a, b) => (a.size >= b.size ? a : b));
    const connections = Math.max(...runs.get(OURS)!.hubRequests.map((requests) => peakConcurrency(requests, largest.path)));
    const allowed = connections * CDN_BANDWIDTH;
    const achieved = bytes / (wall(OURS) / 1000);
    const share = achieved / allowed;
    const vsAria = wall(OURS) / wall("aria2c");
    const jsOverOurs = wall("@huggingface/hub") / wall(OURS);
    return {
      setup: `every response capped at 40 MB/s with 20 ms before each response head; ${files.length} files, ${(bytes / 2 ** 30).toFixed(2)} GiB`,
      tools,
      targets: [
        atLeast(2, "≥ 90% of what the link allows for our connection count", share * 100, 90,
          `${(share * 100).toFixed(0)}% (${(achieved / 1e6).toFixed(0)} of ${(allowed / 1e6).toFixed(0)} MB/s: ${connections} connections on the large file at 40 MB/s)`),
        atMost(2, "no slower than aria2c", vsAria, 1, `${vsAria.toFixed(2)} × aria2c's wall`),
        atLeast(2, "≥ 4 × faster than @huggingface/hub", jsOverOurs, 4, `${jsOverOurs.toFixed(1)} × faster`),
        rssTarget(2, mine),
      ],
      notes: [
        `@huggingface/hub took the plain path: ${describeRoutes(runs.get("@huggingface/hub")!)}; it ran ${slowRuns(context)} time(s) (--slow-peer-runs)`,
      ],
    };
  });
}

async function manySmallFiles(context: BenchContext): Promise<Outcome> {
  const repo = "bench/many-small";
  return withHub(context, { presets: ["bench-many-small"], latencyMs: 20 }, async (hub) => {
    const { files, runs, tools, wall } = await compareDownloads(context, hub, 3, repo);
    const mine = find(tools, OURS);
    const vsJs = wall(OURS) / wall("@huggingface/hub");
    const vsAria = wall(OURS) / wall("aria2c");
    const perRun = runs.get(OURS)!.hubStats[0]!;
    return {
      setup: `${files.length} regular files of 8 KiB (git blob SHA-1 verified by model-manager), 20 ms before each response head, no bandwidth cap`,
      tools,
      targets: [
        atMost(3, "wall ≤ 0.25 × @huggingface/hub's", vsJs, 0.25, `${vsJs.toFixed(3)} ×`),
        atMost(3, "wall ≤ 1.2 × aria2c's", vsAria, 1.2, `${vsAria.toFixed(2)} ×`),
        rssTarget(3, mine),
      ],
      notes: [
        `model-manager sent ${perRun.requests} requests per run (${routeCounts(perRun.byRoute)})`,
        `@huggingface/hub sent ${runs.get("@huggingface/hub")!.hubStats[0]!.requests} requests per run; it ran ${slowRuns(context)} time(s) (--slow-peer-runs)`,
      ],
    };
  });
}

async function warmCache(context: BenchContext): Promise<Outcome> {
  return withHub(context, { presets: ["bench-small-models"] }, async (hub) => {
    const dir = scenarioDir(context, 4);
    const repos = Array.from({ length: 20 }, (_, index) => `bench/small-model-${String(index + 1).padStart(2, "0")}`);
    const config = writeOursConfig(dir, repos, "size");
    const command = oursCommand(context, hub, config);
    await measure(command); // fills the cache
    await hub.clearLog();
    const samples = await repeat(command, context.quickRuns, 3);
    const requests = (await hub.stats()).requests;
    const tool: ToolResult = { tool: OURS, verifies: "size", summary: summarize(samples), details: { hubRequests: requests } };
    return {
      setup: "20 cached models (3 files each), verify: size; the hub stays up and counts requests",
      tools: [tool],
      targets: [
        atMost(4, "median wall < 50 ms", tool.summary.medianMs, 50, formatMs(tool.summary.medianMs)),
        atMost(4, "zero requests to the hub", requests, 0, `${requests} requests over ${samples.length + 3} runs`),
        rssTarget(4, tool),
      ],
      notes: [],
    };
  });
}

async function startUp(context: BenchContext): Promise<Outcome> {
  const tools: ToolResult[] = [];
  const targets: Target[] = [];
  for (const flag of ["--version", "--help"]) {
    const samples = await repeat({ cmd: [context.binary, flag], env: context.env }, context.quickRuns, 3);
    const tool: ToolResult = { tool: `${OURS} ${flag}`, verifies: "n/a", summary: summarize(samples) };
    tools.push(tool);
    targets.push(atMost(5, `${flag} < 20 ms`, tool.summary.medianMs, 20, formatMs(tool.summary.medianMs)));
  }
  targets.push(rssTarget(5, tools.reduce((a, b) => (a.summary.maxRssBytes >= b.summary.maxRssBytes ? a : b))));
  return {
    setup: `the compiled binary, ${context.quickRuns} runs after 3 warm-up runs, timed from spawn to exit`,
    tools,
    targets,
    notes: [],
  };
}

async function verifyOnly(context: BenchContext): Promise<Outcome> {
  const repo = "bench/four-1g";
  return withHub(context, { synthetic: [`${repo}=4x1GiB:model-{i}.safetensors`] }, async (hub) => {
    const files = await listRepo(hub.url, repo);
    const bytes = totalBytes(files);
    const dir = scenarioDir(context, 6);
    const config = writeOursConfig(dir, [repo], "sha256");
    await measure(oursCommand(context, hub, config)); // fills the cache
    const paths = files.map((file) => join(dir, "ours-cache", modelId(repo), file.path));
    const verify = oursCommand(context, hub, config, ["--verify-only", "--verify", "sha256"]);
    const contenders: Contender[] = [
      { name: OURS, verifies: "sha256", outputDir: join(dir, "empty"), command: verify },
      { name: "sha256sum", verifies: "sha256", outputDir: join(dir, "empty"), command: { cmd: ["sha256sum", ...paths], env: context.env } },
    ];
    const { runs, tools, wall } = await compareTools(context, hub, contenders, bytes);
    const mine = find(tools, OURS);
    const ratio = wall(OURS) / wall("sha256sum");
    return {
      setup: "four cached 1 GiB LFS files, hashed from the page cache by both tools; sha256sum reads them one after another",
      tools,
      targets: [
        atMost(6, "wall ≤ 0.6 × sequential sha256sum", ratio, 0.6, `${ratio.toFixed(2)} ×`),
        noRequests(6, runs.get(OURS)!, "--verify-only"),
        rssTarget(6, mine),
      ],
      notes: [],
    };
  });
}

async function withHub(context: BenchContext, options: Omit<HubOptions, "dataRoot">, body: (hub: HubProcess) => Promise<Outcome>): Promise<Outcome> {
  const hub = await HubProcess.start({ ...options, dataRoot: context.hubDataDir });
  try {
    return await body(hub);
  } finally {
    await hub.stop();
  }
}

function scenarioDir(context: BenchContext, id: number): string {
  const dir = join(context.workDir, `scenario-${id}`);
  resetDir(dir);
  return dir;
}

function writeOursConfig(dir: string, repos: readonly string[], verify: string): string {
  const path = join(dir, "models.yaml");
  const models = repos.map((repo) => `  - id: ${modelId(repo)}\n    repo_id: ${repo}\n`).join("");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, `cache_dir: ${join(dir, "ours-cache")}\nverify: ${verify}\nmodels:\n${models}`);
  return path;
}

/** The model's id in our config (and its directory in the cache): the repository's name. */
function modelId(repo: string): string {
  return repo.split("/").at(-1)!;
}

function oursCommand(context: BenchContext, hub: HubProcess, config: string, extraArgs: readonly string[] = []): RunSpec {
  return { cmd: [context.binary, "--config", config, "--quiet", ...extraArgs], env: { ...context.env, HF_ENDPOINT: hub.url } };
}

function ours(context: BenchContext, hub: HubProcess, dir: string, repos: readonly string[], verify: string, bytes: number): Contender {
  const config = writeOursConfig(dir, repos, verify);
  return { name: OURS, verifies: verify, outputDir: join(dir, "ours-cache"), command: oursCommand(context, hub, config), expectBytes: bytes };
}

function aria2(context: BenchContext, hub: HubProcess, dir: string, repo: string, files: readonly RepoFile[], bytes: number): Contender {
  const input = join(dir, "aria2-input.txt");
  writeFileSync(input, aria2InputFile(hub.url, repo, files.map((file) => file.path)));
  const outputDir = join(dir, "aria2c");
  return { name: "aria2c", verifies: VERIFIES_NOTHING, outputDir, command: { cmd: aria2Command(input, outputDir), env: context.env }, expectBytes: bytes };
}

function hfjs(context: BenchContext, hub: HubProcess, dir: string, repo: string, bytes: number): Contender {
  const outputDir = join(dir, "hfjs");
  const command = { cmd: hfjsCommand(hub.url, repo, outputDir), env: context.env };
  return { name: "@huggingface/hub", verifies: VERIFIES_NOTHING, outputDir, command, runs: slowRuns(context), expectBytes: bytes };
}

function slowRuns(context: BenchContext): number {
  return Math.min(context.runs, context.slowPeerRuns);
}

/** Scenarios 2 and 3: `repo` fetched by model-manager (sha256), aria2c and @huggingface/hub, alternately. */
async function compareDownloads(context: BenchContext, hub: HubProcess, scenario: number, repo: string) {
  const files = await listRepo(hub.url, repo);
  const bytes = totalBytes(files);
  const dir = scenarioDir(context, scenario);
  const contenders = [ours(context, hub, dir, [repo], "sha256", bytes), aria2(context, hub, dir, repo, files, bytes), hfjs(context, hub, dir, repo, bytes)];
  return { files, bytes, ...(await compareTools(context, hub, contenders, bytes)) };
}

/** Runs the contenders alternately; `wall(name)` is a tool's median wall time. */
async function compareTools(context: BenchContext, hub: HubProcess, contenders: readonly Contender[], bytes: number) {
  const runs = await compare(hub, contenders, context.runs, context.log);
  const tools: ToolResult[] = contenders.map((contender) => ({
    tool: contender.name,
    verifies: contender.verifies,
    summary: summarize(runs.get(contender.name)!.samples),
    bytes,
  }));
  return { runs, tools, wall: (name: string) => find(tools, name).summary.medianMs };
}

function find(tools: readonly ToolResult[], name: string): ToolResult {
  const tool = tools.find((candidate) => candidate.tool === name);
  if (!tool) throw new Error(`no result for ${name}`);
  return tool;
}

function rssTarget(scenario: number, tool: ToolResult): Target {
  const mib = tool.summary.maxRssBytes / 2 ** 20;
  return atMost(scenario, "model-manager peak RSS < 150 MiB", tool.summary.maxRssBytes, RSS_LIMIT, `${mib.toFixed(0)} MiB`);
}

/** `warmups` unmeasured runs, then `runs` measured ones. */
async function repeat(command: RunSpec, runs: number, warmups: number): Promise<Sample[]> {
  for (let index = 0; index < warmups; index++) await measure(command);
  const samples: Sample[] = [];
  for (let index = 0; index < runs; index++) samples.push(await measure(command));
  return samples;
}

/** Every file of the repository at main, through the hub's tree API (paged by Link headers). */
async function listRepo(hubUrl: string, repo: string): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  let next: string | undefined = `${hubUrl}/api/models/${repo}/tree/main?recursive=true`;
  while (next) {
    const response: Response = await fetch(next);
    if (!response.ok) throw new Error(`listing ${repo}: HTTP ${response.status}`);
    const entries = (await response.json()) as Array<{ type: string; path: string; size: number }>;
    for (const entry of entries) if (entry.type === "file") files.push({ path: entry.path, size: entry.size });
    next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return files;
}

function totalBytes(files: readonly RepoFile[]): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

function routeCounts(byRoute: Partial<Record<string, number>>): string {
  return Object.entries(byRoute)
    .map(([route, count]) => `${route} ${count}`)
    .join(", ");
}

function describeRoutes(runs: ContenderRuns): string {
  return `requests by route ${routeCounts(runs.hubStats[0]!.byRoute)}`;
}

/** A target of zero requests to the hub over every run of `runs`. */
function noRequests(scenario: number, runs: ContenderRuns, what: string): Target {
  const requests = runs.hubStats.reduce((sum, stats) => sum + stats.requests, 0);
  return atMost(scenario, "no request to the hub", requests, 0, `${requests} requests over ${runs.samples.length} runs of ${what}`);
}
