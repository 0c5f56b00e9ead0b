import { Format, Presets } from "cli-progress";
import { formatBytes } from "./format.ts";

/** One file being fetched, as the live display sees it. */
export type ActiveFile = {
  readonly modelId: string;
  readonly path: string;
  readonly size: number;
  readonly bytes: number;
};

export type FrameSize = { readonly rows: number; readonly columns: number };

const BAR_WIDTH = 20;

/**
 * The lines of the live display: one per file (model id and path), at most as
 * many as fit above the total with one row to spare for the cursor; when
 * files do not fit, the busiest (most bytes still to fetch) are shown in the
 * order they started, then "… and K more files". Every line fits the width.
 */
export function progressFrame(files: readonly ActiveFile[], total: { done: number; planned: number; detail: string }, size: FrameSize): string[] {
  const width = Math.max(10, size.columns - 1);
  const totalLine = fitEnd(`${bar(total.done, total.planned)} total  ${total.detail}`, width);
  const room = Math.max(1, size.rows - 1) - 1;
  if (files.length <= room) return [...files.map((file) => fileLine(file, width)), totalLine];
  const shown = busiest(files, Math.max(0, room - 1));
  const hidden = files.length - shown.length;
  const more = room >= 1 ? [fitEnd(`… and ${hidden} more file${hidden === 1 ? "" : "s"}`, width)] : [];
  return [...shown.map((file) => fileLine(file, width)), ...more, totalLine];
}

function busiest(files: readonly ActiveFile[], count: number): ActiveFile[] {
  const chosen = new Set([...files].sort((a, b) => b.size - b.bytes - (a.size - a.bytes)).slice(0, count));
  return files.filter((file) => chosen.has(file));
}

function fileLine(file: ActiveFile, width: number): string {
  const head = `${bar(file.bytes, file.size)} `;
  const tail = `  ${formatBytes(file.size)}`;
  const room = width - head.length - tail.length;
  // The model id stays readable (it tells identical file names apart); the path gives up its middle.
  const modelId = fitEnd(file.modelId, Math.max(8, Math.floor(room / 2)));
  const label = `${modelId}: ${fitMiddle(file.path, room - Bun.stringWidth(modelId) - 2)}`;
  return fitEnd(`${head}${label}${tail}`, width);
}

/** cli-progress draws the bar (its classic shades); the frame around the bars is ours, because its MultiBar cannot bound its height. */
const BAR_OPTIONS = {
  barsize: BAR_WIDTH,
  barCompleteString: Presets.shades_classic.barCompleteChar.repeat(BAR_WIDTH),
  barIncompleteString: Presets.shades_classic.barIncompleteChar.repeat(BAR_WIDTH),
  barGlue: "",
};

function bar(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  return `${Format.BarFormat(ratio, BAR_OPTIONS)} ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

/** Cuts the end off so the text takes at most `width` columns. */
export function fitEnd(text: string, width: number): string {
  if (Bun.stringWidth(text) <= width) return text;
  const characters = [...text];
  while (characters.length > 0 && Bun.stringWidth(characters.join("")) > width - 1) characters.pop();
  return `${characters.join("")}…`;
}

/** Cuts the middle out (paths differ at both ends) so the text takes at most `width` columns. */
export function fitMiddle(text: string, width: number): string {
  if (width <= 1) return width === 1 ? "…" : "";
  if (Bun.stringWidth(text) <= width) return text;
  const characters = [...text];
  while (characters.length > 1 && Bun.stringWidth(characters.join("")) > width - 1) characters.splice(Math.floor(characters.length / 2), 1);
  const middle = Math.floor(characters.length / 2);
  return `${characters.slice(0, middle).join("")}…${characters.slice(middle).join("")}`;
}
