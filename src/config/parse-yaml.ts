/**
 * YAML text to a JavaScript value, keeping positions. Reports every syntax error,
 * every duplicate key and every alias that points nowhere, each with its place.
 */
import { type Document, isAlias, isMap, isSeq, LineCounter, parseDocument, type YAMLError } from "yaml";
import type { ConfigIssue } from "../errors.ts";
import { messageOf } from "../errors.ts";
import { quote } from "./describe.ts";
import { type DocumentPath, DocumentLocator, formatPath, keyText, rangeStart } from "./positions.ts";

export interface ParsedYaml {
  readonly locator: DocumentLocator;
  /** Undefined when the problems found make the content meaningless. */
  readonly value: unknown;
  readonly issues: readonly ConfigIssue[];
}

/** YAML's own guard against "billion laughs" documents, kept explicit. */
const MAX_ALIAS_COUNT = 100;

export function parseYaml(source: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // merge: PyYAML, which read the seed's files, supports `<<` merge keys.
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: false, merge: true });
  const locator = new DocumentLocator(document, lineCounter, source);

  if (document.errors.length > 0) {
    // The parser's stack gives out once per level it unwinds through: one problem, said once.
    const firstTooDeep = document.errors.findIndex(isTooDeep);
    const errors = document.errors.filter((error, index) => index === firstTooDeep || !isTooDeep(error));
    return { locator, value: undefined, issues: errors.map((error) => syntaxIssue(error, locator)) };
  }
  if (document.contents === null) {
    return { locator, value: undefined, issues: [{ path: "", message: 'has no content, only comments; expected a mapping with a "models" list' }] };
  }

  const { issues, unresolvedAliases } = structuralIssues(document, locator);
  // toJS() throws on an alias without an anchor, and the problem is already reported.
  if (unresolvedAliases) return { locator, value: undefined, issues };
  try {
    return { locator, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), issues };
  } catch (error) {
    const message = messageOf(error);
    return { locator, value: undefined, issues: [...issues, { path: "", message: `cannot be read as YAML: ${message}` }] };
  }
}

function isTooDeep(error: YAMLError): boolean {
  return /Maximum call stack size exceeded/.test(error.message);
}

function syntaxIssue(error: YAMLError, locator: DocumentLocator): ConfigIssue {
  const message =
    error.code === "MULTIPLE_DOCS"
      ? 'holds more than one YAML document ("---"); keep a single document'
      : isTooDeep(error)
        ? "is nested too deeply to be read (thousands of levels of brackets or indentation)"
        : `YAML syntax error: ${error.message}`;
  return { path: "", message, ...locator.positionOfOffset(error.pos[0]) };
}

/** Duplicate keys and unresolved aliases, found by one walk over the document. */
function structuralIssues(document: Document, locator: DocumentLocator) {
  const issues: ConfigIssue[] = [];
  let unresolvedAliases = false;
  const walk = (node: unknown, path: DocumentPath): void => {
    if (isAlias(node)) {
      if (node.resolve(document) === undefined) {
        unresolvedAliases = true;
        issues.push({
          path: formatPath(path),
          message: `unknown alias ${quote(`*${node.source}`)}; no anchor of that name comes before it`,
          ...(node.range ? locator.positionOfOffset(node.range[0]) : {}),
        });
      }
    } else if (isMap(node)) {
      const firstLine = new Map<string, number | undefined>();
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? rangeStart(node);
        const position = offset === undefined ? undefined : locator.positionOfOffset(offset);
        if (firstLine.has(key)) {
          const earlier = firstLine.get(key);
          issues.push({
            path: formatPath([...path, key]),
            message: `duplicate key ${quote(key)}${earlier === undefined ? "" : ` (first given on line ${earlier})`}`,
            ...position,
          });
        } else {
          firstLine.set(key, position?.line);
        }
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    }
  };
  walk(document.contents, []);
  return { issues, unresolvedAliases };
}
