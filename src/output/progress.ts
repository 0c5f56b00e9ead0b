import { isatty } from "node:tty";
import { MultiBar, type SingleBar } from "cli-progress";
import type { FileProgress, FileStartInfo, TransferObserver } from "../transfer/observer.ts";
import { formatBytes, formatDuration, formatRate } from "./format.ts";
import type { ConsoleLogger } from "./logger.ts";
import { RateMeter } from "./rate.ts";

/** Files at least this large get their own start and finish lines in plain (non-terminal) output. */
const ANNOUNCE_THRESHOLD = 16 * 1024 * 1024;
const TERMINAL_REFRESH_MS = 100;
const PLAIN_TOTAL_EVERY_MS = 10_000;

export type ProgressMode = "bars" | "lines" | "none";

/** Bars on a terminal, plain lines in logs (CI, Docker builds), nothing with --quiet. */
export function chooseProgressMode(options: { quiet: boolean; disableBars: boolean; stream?: NodeJS.WriteStream }): ProgressMode {
  if (options.quiet) return "none";
  const stream = options.stream ?? process.stderr;
  const terminal = stream.isTTY === true && isatty(2) && process.env.TERM !== "dumb";
  return terminal && !options.disableBars ? "bars" : "lines";
}

/** A TransferObserver that also knows how to end its display. */
export interface ProgressDisplay extends TransferObserver {
  stop(): void;
}

export function createProgressDisplay(mode: ProgressMode, logger: ConsoleLogger): ProgressDisplay {
  if (mode === "bars") return new TerminalProgress(logger);
  if (mode === "lines") return new PlainProgress(logger);
  return new SilentProgress();
}

/** Totals shared by both renderers; file handles only add to counters, rendering runs on a timer. */
abstract class ProgressTotals implements ProgressDisplay {
  protected plannedBytes = 0;
  protected doneBytes = 0;
  protected plannedFiles = 0;
  protected finishedFiles = 0;
  protected readonly rate = new RateMeter();
  protected readonly started = performance.now();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly refreshMs: number) {}

  modelPlanned(_modelId: string, plan: { files: number; bytes: number }): void {
    this.plannedBytes += plan.bytes;
    this.plannedFiles += plan.files;
    this.ensureTimer();
  }

  fileStarted(modelId: string, path: string, info: FileStartInfo): FileProgress {
    const totals = this;
    const counter: FileCounter = { bytes: info.resumedBytes };
    totals.doneBytes += info.resumedBytes;
    const view = this.openFile(modelId, path, info, counter);
    return {
      advance(delta: number) {
        counter.bytes += delta;
        totals.doneBytes += delta;
      },
      rewind(delta: number) {
        counter.bytes -= delta;
        totals.doneBytes -= delta;
      },
      finished() {
        totals.finishedFiles++;
        view.close(true);
      },
      failed() {
        view.close(false);
      },
    };
  }

  modelFinished(_modelId: string): void {}

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.render(true);
  }

  protected abstract openFile(modelId: string, path: string, info: FileStartInfo, counter: FileCounter): FileView;
  protected abstract render(final: boolean): void;

  protected etaMs(): number {
    const speed = this.rate.bytesPerSecond;
    return speed > 0 ? ((this.plannedBytes - this.doneBytes) * 1000) / speed : Number.NaN;
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.rate.sample(this.doneBytes);
      this.render(false);
    }, this.refreshMs);
    this.timer.unref?.();
  }
}

type FileCounter = { bytes: number };
type FileView = { close(ok: boolean): void };

class TerminalProgress extends ProgressTotals {
  private readonly multibar: MultiBar;
  private readonly totalBar: SingleBar;
  private readonly files = new Map<SingleBar, FileCounter>();
  private readonly restoreLogger: () => void;

  constructor(logger: ConsoleLogger) {
    super(TERMINAL_REFRESH_MS);
    this.multibar = new MultiBar({
      stream: process.stderr,
      fps: 10,
      hideCursor: true,
      barsize: 24,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: true,
      format: (_options, params, payload: { label: string; detail: string }) => {
        const ratio = params.total > 0 ? Math.min(1, params.value / params.total) : 1;
        const filled = Math.round(ratio * 24);
        const bar = "█".repeat(filled) + "░".repeat(24 - filled);
        return `${bar} ${String(Math.floor(ratio * 100)).padStart(3)}% ${payload.label} ${payload.detail}`;
      },
    });
    this.totalBar = this.multibar.create(1, 0, { label: "total", detail: "" });
    this.restoreLogger = logger.redirect((line) => this.multibar.log(`${line}\n`));
  }

  protected openFile(_modelId: string, path: string, info: FileStartInfo, counter: FileCounter): FileView {
    const bar = this.multibar.create(Math.max(1, info.size), counter.bytes, { label: truncateMiddle(path, 40), detail: formatBytes(info.size) });
    this.files.set(bar, counter);
    return {
      close: () => {
        this.files.delete(bar);
        this.multibar.remove(bar);
      },
    };
  }

  protected render(final: boolean): void {
    for (const [bar, counter] of this.files) bar.update(counter.bytes);
    const elapsed = performance.now() - this.started;
    const timing = final
      ? `${formatRate((this.doneBytes * 1000) / Math.max(1, elapsed))} average  ${formatDuration(elapsed)}`
      : `${formatRate(this.rate.bytesPerSecond)}  ETA ${formatDuration(this.etaMs())}`;
    this.totalBar.setTotal(Math.max(1, this.plannedBytes));
    this.totalBar.update(this.doneBytes, {
      label: "total",
      detail: `${formatBytes(this.doneBytes)} / ${formatBytes(this.plannedBytes)}  ${timing}  ${this.finishedFiles}/${this.plannedFiles} files`,
    });
    if (final) {
      // stop() does not print lines logged since the last redraw; update() does.
      this.multibar.update();
      this.multibar.stop();
      this.restoreLogger();
    }
  }
}

/** Output for logs: no control characters, a line per large file and a total every ten seconds. */
class PlainProgress extends ProgressTotals {
  private lastTotalLine = 0;

  constructor(private readonly logger: ConsoleLogger) {
    super(1000);
  }

  override modelPlanned(modelId: string, plan: { files: number; bytes: number }): void {
    super.modelPlanned(modelId, plan);
    if (plan.files > 0) this.logger.info(`${modelId}: fetching ${plan.files} file${plan.files === 1 ? "" : "s"}, ${formatBytes(plan.bytes)}`);
  }

  protected openFile(modelId: string, path: string, info: FileStartInfo, counter: FileCounter): FileView {
    const announce = info.size >= ANNOUNCE_THRESHOLD;
    const started = performance.now();
    if (announce) {
      const resumed = info.resumedBytes > 0 ? `, resuming at ${formatBytes(info.resumedBytes)}` : "";
      this.logger.info(`${modelId}: downloading ${path} (${formatBytes(info.size)}${info.ranged ? ", parallel ranges" : ""}${resumed})`);
    }
    const logger = this.logger;
    return {
      close(ok: boolean) {
        if (!announce || !ok) return;
        const elapsed = performance.now() - started;
        const fetched = counter.bytes - info.resumedBytes;
        logger.info(`${modelId}: finished ${path} (${formatBytes(info.size)} in ${formatDuration(elapsed)}, ${formatRate((fetched * 1000) / Math.max(1, elapsed))})`);
      },
    };
  }

  protected render(final: boolean): void {
    const now = performance.now();
    if (final || now - this.lastTotalLine < PLAIN_TOTAL_EVERY_MS || this.plannedBytes === 0) return;
    this.lastTotalLine = now;
    const percent = Math.floor((this.doneBytes / Math.max(1, this.plannedBytes)) * 100);
    this.logger.info(
      `progress: ${formatBytes(this.doneBytes)} of ${formatBytes(this.plannedBytes)} (${percent}%), ${formatRate(this.rate.bytesPerSecond)}, ETA ${formatDuration(this.etaMs())}, ${this.finishedFiles}/${this.plannedFiles} files`,
    );
  }
}

class SilentProgress implements ProgressDisplay {
  modelPlanned(): void {}
  fileStarted(): FileProgress {
    return { advance() {}, rewind() {}, finished() {}, failed() {} };
  }
  modelFinished(): void {}
  stop(): void {}
}

function truncateMiddle(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  const keep = width - 1;
  return `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
}
