/**
 * Fleet benchmark (issue 15): N processes with separate caches pull one model set, once straight
 * from the local hub and once through an S3 mirror (moto) that one process filled with `push`.
 * Reports wall time, bytes and the hub's request counts. Not part of the test suite.
 *
 *   bun tests/bench/fleet.ts [--processes 8] [--bandwidth 40MB] [--latency 20]
 *
 * The hub runs in its own process with a per-response bandwidth cap and latency (a remote service);
 * the mirror is moto_server on loopback with no cap (a store inside the cluster).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { cleanEnv } from "../helpers/run-cli.ts";
import { motoMissing, startMoto } from "../helpers/s3-servers.ts";
import { HubProcess } from "./hub-process.ts";

const { values } = parseArgs({
  options: { processes: { type: "string", default: "8" }, bandwidth: { type: "string", default: "40MB" }, latency: { type: "string", default: "20" } },
});
const processes = Number(values.processes);
const missing = motoMissing();
if (missing) throw new Error(missing);

const REPOS = ["fleet/encoder=1x32MiB:model.safetensors,4x8KiB:config-{i}.json", "fleet/tagger=1x8MiB:weights.bin,1x4KiB:config.json"];
const CONFIG = "verify: sha256\nmodels:\n  - id: encoder\n    repo_id: fleet/encoder\n  - id: tagger\n    repo_id: fleet/tagger\n";
const MIRROR = "s3://fleet-bench/models";

const binary = await binaryPath();
const hub = await HubProcess.start({ synthetic: REPOS, dataRoot: join(tmpdir(), "model-manager-bench", "hub-data"), bandwidth: values.bandwidth, latencyMs: Number(values.latency) });
const moto = await startMoto(["fleet-bench"]);
const work = tempDir("mm-fleet");
writeFileSync(join(work, "models.yaml"), CONFIG);

type Phase = { name: string; wallMs: number; hubRequests: number; hubBytes: number; downloadedBytes?: number; exitCodes: number[] };

async function runMany(name: string, count: number, extraArgs: string[], env: Record<string, string>): Promise<Phase> {
  await hub.clearLog();
  const started = performance.now();
  const procs = Array.from({ length: count }, (_, index) => {
    const cache = join(work, `${name}-${index}`);
    mkdirSync(cache, { recursive: true });
    return Bun.spawn([binary, "--config", join(work, "models.yaml"), "--cache-dir", cache, "-q", ...extraArgs], {
      env: cleanEnv({ HF_ENDPOINT: hub.url, ...env }),
      stdout: "pipe",
      stderr: "pipe",
    });
  });
  const exitCodes = await Promise.all(procs.map((proc) => proc.exited));
  const wallMs = performance.now() - started;
  for (const [index, proc] of procs.entries()) if (exitCodes[index] !== 0) console.error(`${name} #${index}: ${await new Response(proc.stderr).text()}`);
  const stats = await hub.stats();
  // A download run's --json says what each process downloaded; push prints the mirror URL.
  const outputs = await Promise.all(procs.map((proc) => new Response(proc.stdout).text()));
  const downloadedBytes = extraArgs.includes("--json")
    ? outputs.reduce((sum, text) => sum + (JSON.parse(text) as { models: { downloadedBytes?: number }[] }).models.reduce((total, model) => total + (model.downloadedBytes ?? 0), 0), 0)
    : undefined;
  return { name, wallMs, hubRequests: stats.requests, hubBytes: stats.hubBodyBytes + stats.cdnBodyBytes, downloadedBytes, exitCodes };
}

try {
  hub.warmPageCache();
  const direct = await runMany("hub", processes, ["--json"], {});
  const push = await runMany("push", 1, ["push", MIRROR], moto.env);
  const pulled = await runMany("mirror", processes, ["--json"], { ...moto.env, MODEL_MANAGER_MIRROR: MIRROR });
  const rows = [direct, push, pulled].map((phase) =>
    `| ${phase.name === "hub" ? `${processes} × pull from the hub` : phase.name === "push" ? "1 × push (hub → mirror)" : `${processes} × pull through the mirror`} | ${(phase.wallMs / 1000).toFixed(2)} s | ${phase.hubRequests} | ${(phase.hubBytes / 2 ** 20).toFixed(1)} MiB | ${phase.downloadedBytes === undefined ? "-" : `${(phase.downloadedBytes / 2 ** 20).toFixed(1)} MiB`} | ${phase.exitCodes.every((code) => code === 0) ? "ok" : phase.exitCodes.join(",")} |`,
  );
  const report = [
    `Fleet benchmark: ${processes} processes, separate caches, model set ${REPOS.join(" + ")} (40 MiB, verify sha256); hub capped at ${values.bandwidth}/s per response with ${values.latency} ms latency, mirror = moto_server on loopback.`,
    "",
    "| phase | wall time | hub requests | bytes served by the hub | bytes downloaded (all processes) | result |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
  console.log(report);
  const results = join(import.meta.dir, "results");
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, "fleet.md"), `${report}\n`);
} finally {
  await hub.stop();
  await moto.stop();
}
