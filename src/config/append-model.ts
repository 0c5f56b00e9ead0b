/**
 * Appends one model to a configuration's text for `model-manager add`. The existing text is kept
 * byte for byte (comments, blank lines, quoting, indentation): the new entry is inserted as text
 * after the last model, indented like the first one. Only where there is no block list to extend
 * (an empty or flow-style `models`) does the yaml Document API re-render the file.
 */
import { isMap, isSeq, parseDocument, stringify } from "yaml";

/** A model entry in the file's own vocabulary (snake_case keys), in the order they should appear. */
export type ModelEntry = Readonly<Record<string, string | readonly string[]>>;

export function appendModel(text: string, entry: ModelEntry): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = stringify(entry, { indentSeq: true }).trimEnd().split("\n");
  if (text.trim() === "") return ["models:", ...item(lines, 2, 4)].join(eol) + eol;

  const document = parseDocument(text);
  // Only comments so far: they stay on top of the new list.
  if (document.contents === null) return `${withFinalEol(text, eol)}${["models:", ...item(lines, 2, 4)].join(eol)}${eol}`;
  if (!isMap(document.contents)) throw new Error("the configuration is not a mapping");
  const models = document.contents.get("models", true);
  if (models === undefined) return `${withFinalEol(text, eol)}${["models:", ...item(lines, 2, 4)].join(eol)}${eol}`;
  if (isSeq(models) && !models.flow && models.items.length > 0) {
    const first = models.items[0] as { range?: [number, number, number] };
    const last = models.items.at(-1) as { range?: [number, number, number] };
    if (first.range && last.range) {
      const lineStart = text.lastIndexOf("\n", first.range[0] - 1) + 1;
      const keyColumn = first.range[0] - lineStart;
      const dashColumn = text.slice(lineStart, first.range[0]).indexOf("-");
      const lastLineEnd = text.indexOf("\n", last.range[1] - 1);
      const at = lastLineEnd === -1 ? text.length : lastLineEnd + 1;
      const before = lastLineEnd === -1 ? withFinalEol(text, eol) : text.slice(0, at);
      return `${before}${item(lines, dashColumn, keyColumn).join(eol)}${eol}${text.slice(at)}`;
    }
  }
  // `models: []`, `models:` with nothing, or a flow list: let the Document API place it.
  if (isSeq(models)) {
    // An empty `models: []` becomes a block list; a flow list with entries keeps its style.
    if (models.items.length === 0) models.flow = false;
    models.items.push(document.createNode(entry));
  } else {
    document.set("models", document.createNode([entry]));
  }
  return document.toString();
}

/** The entry's lines as one list item: "- " at `dashColumn`, keys at `keyColumn`. */
function item(lines: readonly string[], dashColumn: number, keyColumn: number): string[] {
  const dash = `${" ".repeat(dashColumn)}-${" ".repeat(Math.max(1, keyColumn - dashColumn - 1))}`;
  return lines.map((line, index) => (index === 0 ? dash : " ".repeat(keyColumn)) + line);
}

function withFinalEol(text: string, eol: string): string {
  return text.endsWith("\n") ? text : text + eol;
}
