import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import type { FileProgress, FileStartInfo, TransferObserver } from "../transfer/observer.ts";
import { formatBytes, formatDuration, formatRate, plural } from "./format.ts";
import { LiveFrame } from "./live-frame.ts";
import type { ConsoleLogger } from "./logger.ts";
import { progressFrame } from "./progress-frame.ts";
import { RateMeter } from "./rate.ts";

/** Files at least this large get their own start and finish lines in plain (non-terminal) output. */
const ANNOUNCE_THRESHOLD = 16 * 1024 * 1024;
const TERMINAL_REFRESH_MS = 100;
const PLAIN_TOTAL_EVERY_MS = 10_000;

export type ProgressMode = "bars" | "lines" | "none";

/** The words a display uses: downloads fetch from the Hub, push uploads to a mirror. */
export type ProgressWords = {
  /** "m: fetching 3 files, 1.2 GiB" */
  readonly planning: string;
  /** Where the bytes go, after the plan line ("to s3://…"); none for downloads. */
  readonly destination?: string;
  /** "m: downloading model.safetensors (…)" */
  readonly starting: string;
  /** "m: finished model.safetensors (… in 35 s, …)" */
  readonly finishing: string;
  /** "total: fetched 1.2 GiB in …" */
  readonly total: string;
};

const DOWNLOAD_WORDS: ProgressWords = { planning: "fetching", starting: "downloading", finishing: "finished", total: "fetched" };

export function uploadWords(destination: string): ProgressWords {
  return { planning: "uploading", destination, starting: "uploading", finishing: "uploaded", total: "uploaded" };
}

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

export function createProgressDisplay(mode: ProgressMode, logger: ConsoleLogger, words: ProgressWords = DOWNLOAD_WORDS): ProgressDisplay {
  if (mode === "bars") return new TerminalProgress(logger, words);
  if (mode === "lines") return new PlainProgress(logger, undefined, words);
  return new SilentProgress();
}

/** Totals shared by both renderers; file handles only add to counters, rendering runs on a timer. */
abstract class ProgressTotals implements ProgressDisplay {
  protected plannedBytes = 0;
  protected doneBytes = 0;
  /** Of doneBytes, what earlier runs had already written. */
  protected resumedBytes = 0;
  protected plannedFiles = 0;
  protected finishedFiles = 0;
  protected readonly rate = new RateMeter();
  protected readonly started: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    protected readonly logger: ConsoleLogger,
    private readonly refreshMs: number,
    /** Milliseconds, monotonic; tests pass their own to step through time. */
    protected readonly clock: () => number = () => performance.now(),
    protected readonly words: ProgressWords = DOWNLOAD_WORDS,
  ) {
    this.started = clock();
  }

  /** What the timer does every refreshMs: sample the speed, redraw. */
  refresh(): void {
    this.rate.sample(this.doneBytes, this.clock());
    this.render(false);
  }

  modelPlanned(modelId: string, plan: { files: number; bytes: number }): void {
    this.plannedBytes += plan.bytes;
    this.plannedFiles += plan.files;
    const destination = this.words.destination ? ` to ${this.words.destination}` : "";
    if (plan.files > 0) this.logger.info(`${modelId}: ${this.words.planning} ${plural(plan.files, "file")}, ${formatBytes(plan.bytes)}${destination}`);
    this.ensureTimer();
  }

  fileStarted(modelId: string, path: string, info: FileStartInfo): FileProgress {
    const totals = this;
    const counter: FileCounter = { bytes: info.resumedBytes };
    totals.doneBytes += info.resumedBytes;
    totals.resumedBytes += info.resumedBytes;
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
    this.timer = setInterval(() => this.refresh(), this.refreshMs);
    this.timer.unref?.();
  }
}

type FileCounter = { bytes: number };
type FileView = { close(ok: boolean): void };

/** Live bars on a terminal: a frame of file bars and a total, redrawn in place below the log lines. */
class TerminalProgress extends ProgressTotals {
  private readonly frame = new LiveFrame((text) => process.stderr.write(text));
  private readonly files = new Set<{ readonly modelId: string; readonly path: string; readonly size: number; readonly counter: FileCounter }>();
  private readonly restoreLogger: () => void;
  private readonly clearOnExit = () => {
    // A second Ctrl-C exits at once: the frame and the hidden cursor must not outlive the process.
    writeSync(2, this.frame.clearSequence());
  };
  private stopped = false;

  constructor(logger: ConsoleLogger, words: ProgressWords) {
    super(logger, TERMINAL_REFRESH_MS, undefined, words);
    this.restoreLogger = logger.redirect((line) => this.frame.printAbove(line, this.lines()));
    process.once("exit", this.clearOnExit);
  }

  protected openFile(modelId: string, path: string, info: FileStartInfo, counter: FileCounter): FileView {
    const file = { modelId, path, size: info.size, counter };
    this.files.add(file);
    return { close: () => this.files.delete(file) };
  }

  protected render(final: boolean): void {
    if (this.stopped) return;
    if (!final) {
      if (this.plannedFiles > 0) this.frame.draw(this.lines());
      return;
    }
    this.stopped = true;
    this.frame.clear();
    this.restoreLogger();
    process.removeListener("exit", this.clearOnExit);
    const fetched = this.doneBytes - this.resumedBytes;
    if (fetched > 0) {
      const elapsed = this.clock() - this.started;
      this.logger.info(
        `total: ${this.words.total} ${formatBytes(fetched)} in ${formatDuration(elapsed)} (${formatRate((fetched * 1000) / Math.max(1, elapsed))}), ${this.finishedFiles} of ${this.plannedFiles} files`,
      );
    }
  }

  private lines(): string[] {
    if (this.plannedFiles === 0) return [];
    const files = [...this.files].map((file) => ({ modelId: file.modelId, path: file.path, size: file.size, bytes: file.counter.bytes }));
    const detail = `${formatBytes(this.doneBytes)} / ${formatBytes(this.plannedBytes)}  ${formatRate(this.rate.bytesPerSecond)}  ETA ${formatDuration(this.etaMs())}  ${this.finishedFiles}/${this.plannedFiles} files`;
    return progressFrame(files, { done: this.doneBytes, planned: this.plannedBytes, detail }, { rows: process.stderr.rows || 24, columns: process.stderr.columns || 80 });
  }
}

/** Output for logs: no control characters, a line per large file and a total every ten seconds. */
export class PlainProgress extends ProgressTotals {
  private lastTotalLine: number;

  constructor(logger: ConsoleLogger, clock?: () => number, words?: ProgressWords) {
    super(logger, 1000, clock, words);
    this.lastTotalLine = this.started;
  }

  protected openFile(modelId: string, path: string, info: FileStartInfo, counter: FileCounter): FileView {
    const announce = info.size >= ANNOUNCE_THRESHOLD;
    const started = this.clock();
    if (announce) {
      const resumed = info.resumedBytes > 0 ? `, resuming at ${formatBytes(info.resumedBytes)}` : "";
      this.logger.info(`${modelId}: ${this.words.starting} ${path} (${formatBytes(info.size)}${info.ranged ? ", parallel ranges" : ""}${resumed})`);
    }
    const { logger, clock, words } = this;
    return {
      close(ok: boolean) {
        if (!announce || !ok) return;
        const elapsed = clock() - started;
        const fetched = counter.bytes - info.resumedBytes;
        logger.info(`${modelId}: ${words.finishing} ${path} (${formatBytes(info.size)} in ${formatDuration(elapsed)}, ${formatRate((fetched * 1000) / Math.max(1, elapsed))})`);
      },
    };
  }

  protected render(final: boolean): void {
    const now = this.clock();
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
