import { Format, Presets } from "cli-progress";
import { formatBytes, plural } from "./format.ts";

/** One file being fetched, as the live display sees it. */
export type ActiveFile = {
  readonly modelId: string;
  readonly path: string;
  readonly size: number;
  readonly bytes: number;
};

export type FrameSize = { readonly rows: number; readonly columns: number };

const BAR_WIDTH = 20;
/** Columns for "model: path" below which a file line drops its size. */
const MIN_LABEL_ROOM = 20;

/** cli-progress draws the bar (its classic shades); the frame around the bars is ours, because its MultiBar cannot bound its height. */
function barOptions(barsize: number) {
  return {
    barsize,
    barCompleteString: Presets.shades_classic.barCompleteChar.repeat(barsize),
    barIncompleteString: Presets.shades_classic.barIncompleteChar.repeat(barsize),
    barGlue: "",
  };
}

type BarOptions = ReturnType<typeof barOptions>;
const WIDE_BAR = barOptions(BAR_WIDTH);
const NARROW_BAR = barOptions(BAR_WIDTH / 2);

/** The bar gives way to the words on a narrow terminal: a 20-column bar in 20 columns leaves no room to say whose it is. */
function barFor(width: number): BarOptions | undefined {
  return width >= 60 ? WIDE_BAR : width >= 40 ? NARROW_BAR : undefined;
}

/**
 * The lines of the live display: one per file (model id and path), at most as
 * many as fit above the total with one row to spare for the cursor; when
 * files do not fit, the busiest (most bytes still to fetch) are shown in the
 * order they started, then "… and K more files". Every line fits the width.
 */
export function progressFrame(files: readonly ActiveFile[], total: { done: number; planned: number; detail: string }, size: FrameSize): string[] {
  const width = Math.max(10, size.columns - 1);
  const style = barFor(width);
  const totalLine = fitEnd(`${bar(total.done, total.planned, style)} total  ${total.detail}`, width);
  const room = Math.max(1, size.rows - 1) - 1;
  if (files.length <= room) return [...files.map((file) => fileLine(file, width, style)), totalLine];
  const shown = busiest(files, Math.max(0, room - 1));
  const hidden = files.length - shown.length;
  const more = room >= 1 ? [fitEnd(`… and ${plural(hidden, "more file")}`, width)] : [];
  return [...shown.map((file) => fileLine(file, width, style)), ...more, totalLine];
}

function busiest(files: readonly ActiveFile[], count: number): ActiveFile[] {
  const chosen = new Set([...files].sort((a, b) => b.size - b.bytes - (a.size - a.bytes)).slice(0, count));
  return files.filter((file) => chosen.has(file));
}

function fileLine(file: ActiveFile, width: number, style: BarOptions | undefined): string {
  const head = `${bar(file.bytes, file.size, style)} `;
  const sized = `  ${formatBytes(file.size)}`;
  // On a narrow terminal the file's size goes before its name does.
  const tail = width - head.length - sized.length >= MIN_LABEL_ROOM ? sized : "";
  const room = width - head.length - tail.length;
  // The model id stays readable (it tells identical file names apart); the path gives up its middle.
  const modelId = fitEnd(file.modelId, Math.max(Math.min(8, room), Math.floor(room / 2)));
  const label = `${modelId}: ${fitMiddle(file.path, room - Bun.stringWidth(modelId) - 2)}`;
  return fitEnd(`${head}${label}${tail}`, width);
}

/** No `style`: the percentage alone. */
function bar(done: number, total: number, style: BarOptions | undefined): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const percent = `${String(Math.floor(ratio * 100)).padStart(3)}%`;
  return style ? `${Format.BarFormat(ratio, style)} ${percent}` : percent;
}

/** Cuts the end off so the text takes at most `width` columns. */
function fitEnd(text: string, width: number): string {
  if (Bun.stringWidth(text) <= width) return text;
  const characters = [...text];
  while (characters.length > 0 && Bun.stringWidth(characters.join("")) > width - 1) characters.pop();
  return `${characters.join("")}…`;
}

/**
 * Cuts the middle out (paths differ at both ends) so the text takes at most `width` columns;
 * the "…" stands where the text was cut, and the end (a file's extension) keeps the larger half.
 */
export function fitMiddle(text: string, width: number): string {
  if (width <= 1) return width === 1 ? "…" : "";
  if (Bun.stringWidth(text) <= width) return text;
  const characters = [...text];
  const head = characters.slice(0, Math.ceil(characters.length / 2));
  const tail = characters.slice(head.length);
  while (head.length + tail.length > 0 && Bun.stringWidth(head.join("")) + Bun.stringWidth(tail.join("")) > width - 1) {
    if (head.length >= tail.length) head.pop();
    else tail.shift();
  }
  return `${head.join("")}…${tail.join("")}`;
}
