/**
 * A block of lines at the bottom of a terminal, redrawn in place: the cursor
 * goes back up over the previous frame, each line is rewritten and anything
 * left below is erased. Lines printed "above" scroll away normally. The frame
 * only stays in place if it fits the screen, so callers size it to the rows
 * and columns (a line that wraps, or a frame taller than the screen, leaves
 * stale copies in the scrollback).
 *
 * Lines are erased one by one, never with "clear to end of screen" from the
 * top-left corner: tmux (scroll-on-clear) and some terminals treat that as
 * clearing the screen and push the old frame into the scrollback.
 */
const CLEAR_LINE = "\x1b[2K";
const CLEAR_TO_END = "\x1b[K";
const CLEAR_BELOW = "\x1b[J";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
// Synchronized output (DEC mode 2026): terminals that know it show the frame whole, never half-drawn; others ignore it.
const BEGIN_UPDATE = "\x1b[?2026h";
const END_UPDATE = "\x1b[?2026l";

export class LiveFrame {
  private height = 0;
  private cursorHidden = false;

  constructor(private readonly write: (text: string) => void) {}

  draw(lines: readonly string[]): void {
    this.write(BEGIN_UPDATE + this.rewind() + this.hideCursor() + render(lines) + CLEAR_BELOW + END_UPDATE);
    this.height = lines.length;
  }

  /**
   * Prints a line above the frame, then the frame again below it. Each row the
   * line takes is cleared: at its start, and after its end when it wraps.
   */
  printAbove(line: string, lines: readonly string[]): void {
    const rows = line.split("\n").map((row) => `${CLEAR_LINE}${row}${CLEAR_TO_END}\n`);
    this.write(`${BEGIN_UPDATE}${this.rewind()}${lines.length > 0 ? this.hideCursor() : ""}${rows.join("")}${render(lines)}${CLEAR_BELOW}${END_UPDATE}`);
    this.height = lines.length;
  }

  /** Removes the frame from the screen and gives the cursor back. */
  clear(): void {
    this.write(this.clearSequence());
  }

  /** What clear() writes, for a caller that must write it synchronously (at process exit). */
  clearSequence(): string {
    const text = `${this.rewind()}${`${CLEAR_LINE}\n`.repeat(this.height)}${this.rewind()}${this.cursorHidden ? SHOW_CURSOR : ""}`;
    this.height = 0;
    this.cursorHidden = false;
    return text;
  }

  private rewind(): string {
    return this.height > 0 ? `\r\x1b[${this.height}A` : "";
  }

  private hideCursor(): string {
    if (this.cursorHidden) return "";
    this.cursorHidden = true;
    return HIDE_CURSOR;
  }
}

function render(lines: readonly string[]): string {
  return lines.map((line) => `${CLEAR_LINE}${line}\n`).join("");
}
