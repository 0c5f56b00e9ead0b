/** Places in a YAML document: `models[3].repo_id` paths and their 1-based line and column. */
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from "yaml";

export type PathKey = string | number;
export type DocumentPath = readonly PathKey[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(path: DocumentPath): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (IDENTIFIER.test(key)) text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

/** The text a mapping key stands for, as it appears in the JavaScript value. */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value ?? "");
  return String(key ?? "");
}

export class DocumentLocator {
  constructor(
    private readonly document: Document,
    private readonly lineCounter: LineCounter,
    /** The YAML text, for writtenAs. */
    private readonly source = "",
  ) {}

  /** The value at `path` exactly as written (`~`, `1.0`), when the path leads to one. */
  writtenAs(path: DocumentPath): string | undefined {
    let node: unknown = this.document.contents;
    for (const key of path) {
      node = this.resolveAlias(node);
      if (isMap(node)) node = (node.items as Pair[]).find((item) => keyText(item.key) === String(key))?.value;
      else if (isSeq(node) && typeof key === "number") node = node.items[key];
      else return undefined;
    }
    const range = (node as Node | null | undefined)?.range;
    return range ? this.source.slice(range[0], range[1]) : undefined;
  }

  positionOfOffset(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Position of the value at `path` (or of its key, with `at: "key"`). When the path
   * leads nowhere, e.g. to a missing key, the nearest enclosing node is used.
   */
  locate(path: DocumentPath, at: "key" | "value" = "value"): Position | undefined {
    let node: unknown = this.document.contents;
    let offset = rangeStart(node);
    for (const [index, key] of path.entries()) {
      node = this.resolveAlias(node);
      const isLast = index === path.length - 1;
      if (isMap(node)) {
        const pair = (node.items as Pair[]).find((item) => keyText(item.key) === String(key));
        if (!pair) break;
        const keyOffset = rangeStart(pair.key);
        node = pair.value;
        offset = (isLast && at === "key" ? keyOffset : rangeStart(node)) ?? keyOffset ?? offset;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
        if (node === undefined) break;
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : this.positionOfOffset(offset);
  }

  private resolveAlias(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.document) : node;
  }
}

export function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
