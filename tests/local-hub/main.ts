/**
 * Runs the local hub as its own process, for the demo and benchmarks.
 * When ready it prints one JSON line on stdout: {"url","cdnUrl","admin","dataDir","repos"}.
 */
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Fault } from "./faults.ts";
import type { RepoDecl } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import { parseSize, parseSyntheticSpec, PRESETS } from "./presets.ts";

const USAGE = `usage: bun tests/local-hub/main.ts [options]

  --preset NAME            repository set (repeatable): ${Object.keys(PRESETS).join(", ")}; default demo
  --synthetic SPEC         extra repo of generated files (repeatable): id=COUNTxSIZE[:NAME],…
                           e.g. bench/x=1x2GiB:model.safetensors,10x8KiB:config-{i}.json
  --repos-module FILE      a module whose default export is RepoDecl[] or (dataDir) => RepoDecl[]
  --port N                 hub port (default: any free port)
  --cdn-port N             CDN port (default: any free port)
  --hostname H             hub host name in URLs (default localhost)
  --cdn-hostname H         CDN host name in URLs (default 127.0.0.1)
  --bind ADDR              address to listen on (default 127.0.0.1)
  --data-dir D             cache of generated large files (default <tmpdir>/model-manager-local-hub)
  --tree-page-size N       /tree entries per page (default 1000)
  --tree-page-size-expand N  with expand=true (default 50)
  --cdn-ttl SECONDS        lifetime of signed CDN URLs (default 3600)
  --bandwidth SIZE         cap per file download, bytes per second (e.g. 40MB)
  --latency MS             delay before every response head
  --direct-regular-files   serve regular files with 200 on /resolve/ instead of a 307 to /api/resolve-cache
  --no-rate-limit-headers  no informational RateLimit headers (benchmarks: the quota is never enforced here)
  --token T                an extra valid token (repeatable)
  --fault JSON             a fault to inject at start (repeatable), e.g. '{"kind":"drop","afterBytes":1000,"path":"*.safetensors"}'

Admin API (JSON) under {url}/__admin/: GET health|state|faults|throttle|settings|requests[?since=SEQ]|stats;
POST faults (a fault or a list)|commits|clock {advanceSeconds}|reset|shutdown; PUT throttle|settings; DELETE faults|requests.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      preset: { type: "string", multiple: true },
      synthetic: { type: "string", multiple: true },
      "repos-module": { type: "string" },
      port: { type: "string" },
      "cdn-port": { type: "string" },
      hostname: { type: "string" },
      "cdn-hostname": { type: "string" },
      bind: { type: "string" },
      "data-dir": { type: "string" },
      "tree-page-size": { type: "string" },
      "tree-page-size-expand": { type: "string" },
      "cdn-ttl": { type: "string" },
      bandwidth: { type: "string" },
      latency: { type: "string" },
      "direct-regular-files": { type: "boolean" },
      "no-rate-limit-headers": { type: "boolean" },
      token: { type: "string", multiple: true },
      fault: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const dataDir = resolve(values["data-dir"] ?? join(tmpdir(), "model-manager-local-hub"));
  const repos: RepoDecl[] = [];
  const presets = values.preset ?? (values.synthetic || values["repos-module"] ? [] : ["demo"]);
  for (const name of presets) {
    const preset = PRESETS[name];
    if (!preset) throw new UsageError(`unknown preset ${name}; known: ${Object.keys(PRESETS).join(", ")}`);
    repos.push(...preset(dataDir));
  }
  for (const spec of values.synthetic ?? []) repos.push(parseSyntheticSpec(spec));
  if (values["repos-module"]) repos.push(...(await loadReposModule(resolve(values["repos-module"]), dataDir)));

  const bandwidth = values.bandwidth === undefined ? undefined : parseSize(values.bandwidth.replace(/\/s$/i, ""));
  const latency = optionalInteger(values.latency, "--latency");
  let hub: LocalHub | undefined;
  const exit = () => void hub?.stop().then(() => process.exit(0));
  hub = await LocalHub.start({
    repos,
    dataDir,
    tokens: values.token,
    port: optionalInteger(values.port, "--port"),
    cdnPort: optionalInteger(values["cdn-port"], "--cdn-port"),
    hostname: values.hostname,
    cdnHostname: values["cdn-hostname"],
    bindAddress: values.bind,
    treePageSize: optionalInteger(values["tree-page-size"], "--tree-page-size"),
    treePageSizeExpand: optionalInteger(values["tree-page-size-expand"], "--tree-page-size-expand"),
    cdnUrlTtlSeconds: optionalInteger(values["cdn-ttl"], "--cdn-ttl"),
    regularFileRedirect: !values["direct-regular-files"],
    rateLimitHeaders: !values["no-rate-limit-headers"],
    throttle: { ...(bandwidth ? { bytesPerSecond: bandwidth } : {}), ...(latency ? { latencyMs: latency } : {}) },
    onShutdown: () => process.exit(0),
  });
  for (const fault of values.fault ?? []) hub.inject(JSON.parse(fault) as Fault);
  process.on("SIGINT", exit);
  process.on("SIGTERM", exit);
  console.log(JSON.stringify({ url: hub.url, cdnUrl: hub.cdnUrl, admin: hub.adminUrl, dataDir, repos: hub.repos.map((repo) => `${repo.type}s/${repo.id}`) }));
}

class UsageError extends Error {}

function optionalInteger(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new UsageError(`${flag} needs a non-negative integer, got ${value}`);
  return number;
}

async function loadReposModule(path: string, dataDir: string): Promise<RepoDecl[]> {
  const module = (await import(path)) as { default?: unknown };
  const exported = module.default;
  const repos = typeof exported === "function" ? await (exported as (dir: string) => RepoDecl[] | Promise<RepoDecl[]>)(dataDir) : exported;
  if (!Array.isArray(repos)) throw new UsageError(`${path}: the default export must be RepoDecl[] or a function returning one`);
  return repos as RepoDecl[];
}

main().catch((error: unknown) => {
  console.error(`local hub: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof UsageError) console.error(USAGE);
  process.exit(error instanceof UsageError ? 2 : 1);
});
