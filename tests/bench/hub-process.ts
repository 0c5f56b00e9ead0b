/** The local hub in its own process (it shares the cores with the tool being measured, as a real server would not). */
import { closeSync, existsSync, openSync, readdirSync, readSync } from "node:fs";
import { join } from "node:path";
import type { RequestRecord, RequestTotals } from "../local-hub/request-log.ts";

const MAIN = join(import.meta.dir, "..", "local-hub", "main.ts");

export type HubOptions = {
  readonly presets?: readonly string[];
  readonly synthetic?: readonly string[];
  /** Generated files are kept below it, one folder per repository set, for the next run. */
  readonly dataRoot: string;
  /** Per-response cap, e.g. "40MB". */
  readonly bandwidth?: string;
  readonly latencyMs?: number;
};

type Ready = { url: string; cdnUrl: string; admin: string; dataDir: string; repos: string[] };

export class HubProcess {
  private constructor(
    private readonly proc: Bun.Subprocess<"ignore", "pipe", "pipe">,
    readonly url: string,
    readonly cdnUrl: string,
    private readonly admin: string,
    readonly dataDir: string,
  ) {}

  static async start(options: HubOptions): Promise<HubProcess> {
    // model-manager paces itself by the Hub's RateLimit headers; this hub never enforces them, and
    // a scenario of 2000 files would otherwise measure the anonymous resolver quota, not transfers.
    const args = ["--data-dir", join(options.dataRoot, dataFolderName(options)), "--no-rate-limit-headers"];
    for (const preset of options.presets ?? []) args.push("--preset", preset);
    for (const spec of options.synthetic ?? []) args.push("--synthetic", spec);
    if (options.bandwidth) args.push("--bandwidth", options.bandwidth);
    if (options.latencyMs) args.push("--latency", String(options.latencyMs));
    const proc = Bun.spawn([process.execPath, MAIN, ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const line = await firstLine(proc.stdout, 300_000);
    if (!line) {
      proc.kill();
      const stderr = await new Response(proc.stderr).text();
      throw new Error(`the local hub did not start: ${stderr.trim()}`);
    }
    void new Response(proc.stderr).text(); // keep the pipe drained
    const ready = JSON.parse(line) as Ready;
    return new HubProcess(proc, ready.url, ready.cdnUrl, ready.admin, ready.dataDir);
  }

  /** Reads what the hub serves, so every run starts with its source in the page cache (cheap when it already is). */
  warmPageCache(): void {
    const buffer = Buffer.allocUnsafe(8 << 20);
    // Only large generated files are kept on disk; a hub of small ones has no folder.
    const names = existsSync(this.dataDir) ? readdirSync(this.dataDir) : [];
    for (const name of names) {
      if (!name.endsWith(".bin")) continue;
      const fd = openSync(join(this.dataDir, name), "r");
      try {
        while (readSync(fd, buffer, 0, buffer.byteLength, null) > 0);
      } finally {
        closeSync(fd);
      }
    }
  }

  async stats(): Promise<RequestTotals> {
    return (await this.call("GET", "stats")) as RequestTotals;
  }

  async requests(): Promise<RequestRecord[]> {
    return ((await this.call("GET", "requests")) as { requests: RequestRecord[] }).requests;
  }

  async clearLog(): Promise<void> {
    await this.call("DELETE", "requests");
  }

  async stop(): Promise<void> {
    await this.call("POST", "shutdown").catch(() => undefined);
    const exited = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
    if (!exited) this.proc.kill("SIGKILL");
  }

  private async call(method: string, route: string): Promise<unknown> {
    const response = await fetch(`${this.admin}/${route}`, { method });
    if (!response.ok) throw new Error(`hub admin ${method} ${route}: HTTP ${response.status}`);
    return response.json();
  }
}

/** One folder per repository set, so warming the page cache reads only what this hub serves. */
function dataFolderName(options: HubOptions): string {
  return [...(options.presets ?? []), ...(options.synthetic ?? [])].join("+").replace(/[^A-Za-z0-9.+-]+/g, "_") || "default";
}

async function firstLine(stream: ReadableStream<Uint8Array>, timeoutMs: number): Promise<string | undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Bun.sleep(timeoutMs).then(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), deadline]);
      if (!next || next.done) return undefined;
      text += decoder.decode(next.value, { stream: true });
      const newline = text.indexOf("\n");
      if (newline >= 0) return text.slice(0, newline);
    }
  } finally {
    reader.releaseLock();
  }
}
