/**
 * A real terminal for tests: a detached tmux session of a given size on a
 * private server (its own socket), read back with capture-pane.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanEnv } from "./run-cli.ts";

export const tmuxPath = Bun.which("tmux");

let sessions = 0;

export class TmuxTerminal implements AsyncDisposable {
  private constructor(
    private readonly socket: string,
    readonly columns: number,
    readonly rows: number,
  ) {}

  /**
   * Runs `argv` in a new `columns`×`rows` terminal, in `cwd`, with `env` on top of a clean environment.
   * When the command ends, the terminal shows `EXIT=<code>` and stays open to be read.
   */
  static async start(argv: readonly string[], options: { cwd: string; env: Record<string, string>; columns: number; rows: number }): Promise<TmuxTerminal> {
    if (!tmuxPath) throw new Error("tmux is not installed (apt-get install tmux)");
    const socket = `mm-test-${process.pid}-${++sessions}`;
    const script = join(options.cwd, `run-in-tmux-${sessions}.sh`);
    // The shell survives a Ctrl-C meant for the command (a trap, unlike an ignored signal, is not inherited).
    writeFileSync(script, `trap : INT\n${argv.map(shellQuote).join(" ")}\necho "EXIT=$?"\nexec sleep 600\n`);
    const terminal = new TmuxTerminal(socket, options.columns, options.rows);
    // The private server starts with this environment, and the session's shell inherits it.
    await terminal.tmux(["-f", "/dev/null", "new-session", "-d", "-x", String(options.columns), "-y", String(options.rows), "-c", options.cwd, `sh ${shellQuote(script)}`], cleanEnv(options.env));
    const size = (await terminal.tmux(["display-message", "-p", "#{pane_width}x#{pane_height}"])).trim();
    if (size !== `${options.columns}x${options.rows}`) throw new Error(`tmux made a ${size} pane, not ${options.columns}x${options.rows}`);
    return terminal;
  }

  /** What the screen shows now, one string per row (trailing blanks trimmed). */
  async screen(): Promise<string[]> {
    return (await this.tmux(["capture-pane", "-p"])).replace(/\n$/, "").split("\n");
  }

  /** Everything printed so far: the scrollback followed by the screen, with lines that wrapped joined again. */
  async everything(): Promise<string[]> {
    return (await this.tmux(["capture-pane", "-p", "-J", "-S", "-"]))
      .replace(/\n$/, "")
      .split("\n")
      .map((row) => row.trimEnd());
  }

  /** Whether the terminal shows its cursor (a live display hides it while it draws). */
  async cursorVisible(): Promise<boolean> {
    return (await this.tmux(["display-message", "-p", "#{cursor_flag}"])).trim() === "1";
  }

  async sendKeys(...keys: string[]): Promise<void> {
    await this.tmux(["send-keys", ...keys]);
  }

  /**
   * Polls the screen until `accept` returns a value. Only settled screens count, ones that two captures
   * in a row agree on, and each is passed to `inspect` first. A terminal shows a frame as the bytes
   * arrive, so a single capture can catch one half-drawn (seen on a loaded machine: a row holding only
   * part of a bar); the live display redraws every 100 ms, so most captures settle.
   */
  async waitForScreen<T>(what: string, accept: (screen: string[]) => T | undefined, inspect: (screen: string[]) => void = () => {}, timeoutMs = 40_000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const screen = await this.screen();
      const again = await this.screen();
      if (again.join("\n") === screen.join("\n")) {
        inspect(screen);
        const result = accept(screen);
        if (result !== undefined) return result;
      }
      if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen shows:\n${screen.join("\n")}`);
      await Bun.sleep(30);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.tmux(["kill-server"]).catch(() => {});
  }

  private async tmux(args: readonly string[], env?: Record<string, string>): Promise<string> {
    const proc = Bun.spawn([tmuxPath as string, "-L", this.socket, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore", env: env ?? cleanEnv() });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`tmux ${args.join(" ")} failed (${code}): ${err.trim()}`);
    return out;
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
