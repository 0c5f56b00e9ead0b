import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, tempDir } from "../helpers/binary.ts";
import { project, startHub, waitFor } from "../helpers/hub-scenario.ts";
import { cleanEnv } from "../helpers/run-cli.ts";
import { generated, type LocalHub } from "../local-hub/index.ts";

// Resume state claims byte ranges are on disk; after a power loss they must not turn out to be zero-filled holes.
const REPO = "acme/durable";
const BIG = "model.safetensors";
const MiB = 1024 * 1024;
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

const strace = Bun.which("strace");
// Containers without CAP_SYS_PTRACE have strace but cannot trace.
const canTrace = strace !== null && Bun.spawnSync([strace, "-qq", "-e", "trace=none", "true"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { [BIG]: generated(12 * MiB) } }] });
});
afterAll(() => hub.stop());

/** Pid of the traced program: the first child of the strace process. */
function tracedPid(tracer: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${tracer}/task/${tracer}/children`, "utf8").trim().split(" ");
    return children[0] ? Number(children[0]) : undefined;
  } catch {
    return undefined;
  }
}

describe.skipIf(!canTrace)("resume state on interrupt (needs strace, allowed to trace)", () => {
  test("on SIGINT the partial file's data is flushed before each resume state that claims it is written", async () => {
    const cwd = project(CONFIG);
    const log = join(tempDir("mm-strace"), "trace.log");
    hub.inject({ kind: "bandwidth", bytesPerSecond: 1_500_000, host: "cdn", path: BIG, times: "always" });
    const tracer = Bun.spawn([strace as string, "-f", "-y", "-qq", "-e", "trace=fdatasync,fsync,rename,renameat,renameat2", "-o", log, await binaryPath(), "--config", "models.yaml"], {
      cwd,
      env: cleanEnv({ HF_ENDPOINT: hub.url, MODEL_MANAGER_RANGED_THRESHOLD: "1MiB", MODEL_MANAGER_CHUNK_SIZE: "1MiB" }),
      stdout: "ignore",
      stderr: "pipe",
    });
    const part = join(cwd, "cache", ".model-manager", "partial", "m", `${BIG}.part`);
    await waitFor("the download to be under way", () => existsSync(part) && (tracedPid(tracer.pid) ?? 0) > 0 && readFileSync(log, "utf8").includes(".state.json"));
    process.kill(tracedPid(tracer.pid) as number, "SIGINT");
    const stderr = await new Response(tracer.stderr).text();
    expect(await tracer.exited).toBe(130);
    expect(stderr).toContain("Interrupted by SIGINT; partial downloads were kept");
    hub.clearFaults();

    const lines = readFileSync(log, "utf8").split("\n");
    const interrupt = lines.findIndex((line) => line.includes("--- SIGINT"));
    expect(interrupt).toBeGreaterThan(-1);
    // Every state written has a flush of the partial file's data since the state before it. Checked over the
    // whole trace: a periodic save can flush just before the signal arrives and rename just after it.
    let flushed = false;
    let statesAfterInterrupt = 0;
    for (const [index, line] of lines.entries()) {
      if (/\b(fdatasync|fsync)\(\d+<[^>]*\.part>/.test(line)) flushed = true;
      if (/\brename(at2?)?\(.*\.state\.json"/.test(line) && !line.includes("<unfinished")) {
        if (index > interrupt) statesAfterInterrupt++;
        expect({ line, flushedBefore: flushed }).toEqual({ line, flushedBefore: true });
        flushed = false;
      }
    }
    expect(statesAfterInterrupt).toBeGreaterThan(0);
  });
});
