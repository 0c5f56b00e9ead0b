/**
 * `files`/`exclude` matching with the Hub client's semantics (huggingface_hub
 * `filter_repo_objects`): Python `fnmatchcase`, where `*` also matches `/`,
 * `?` is one character, `[seq]`/`[!seq]` are sets, `**` is just two stars,
 * matching is case-sensitive, a trailing `/` means "everything under it",
 * and backslashes count as `/` in patterns and paths alike.
 */

import { optionsArgument, stringListArgument } from "../api-arguments.ts";

export interface FileSelection {
  /** Exact paths or patterns; undefined selects every path. */
  readonly files?: readonly string[];
  readonly exclude?: readonly string[];
}

export interface SelectionResult {
  /** Input paths that are selected, in input order. */
  readonly selected: string[];
  /** `files` entries that matched no path at all (before `exclude`), in `files` order. */
  readonly unmatched: string[];
}

type PathMatcher = (path: string) => boolean;

const compiled = new Map<string, PathMatcher>();

export function normaliseSlashes(text: string): string {
  return text.includes("\\") ? text.replaceAll("\\", "/") : text;
}

/** Whether `path` matches `pattern`; compiled matchers are cached. */
export function matchesPattern(path: string, pattern: string): boolean {
  return compilePattern(pattern)(normaliseSlashes(path));
}

/** A cached matcher for one pattern, for paths whose backslashes are already turned into `/`. */
function compilePattern(pattern: string): PathMatcher {
  let matcher = compiled.get(pattern);
  if (!matcher) {
    matcher = buildMatcher(pattern);
    compiled.set(pattern, matcher);
  }
  return matcher;
}

export function selectFiles(paths: readonly string[], selection: FileSelection = {}): SelectionResult {
  stringListArgument(paths, "selectFiles: paths");
  optionsArgument(selection, "selectFiles: selection");
  if (selection.files !== undefined) stringListArgument(selection.files, "selectFiles: selection.files");
  if (selection.exclude !== undefined) stringListArgument(selection.exclude, "selectFiles: selection.exclude");
  const include = selection.files?.map((pattern) => ({ pattern, matches: compilePattern(pattern), used: false }));
  const exclude = (selection.exclude ?? []).map(compilePattern);
  const selected: string[] = [];
  for (const path of paths) {
    const normalised = normaliseSlashes(path);
    let included = include === undefined;
    for (const entry of include ?? []) {
      if (entry.matches(normalised)) {
        entry.used = true;
        included = true;
      }
    }
    if (included && !exclude.some((matches) => matches(normalised))) selected.push(path);
  }
  const unmatched = (include ?? []).filter((entry) => !entry.used).map((entry) => entry.pattern);
  return { selected, unmatched };
}

const GLOB_SYNTAX = /[*?[]/;

/** Whether a `files` entry is a pattern rather than one exact path. */
export function isGlob(pattern: string): boolean {
  return GLOB_SYNTAX.test(pattern) || normaliseSlashes(pattern).endsWith("/");
}

function buildMatcher(rawPattern: string): PathMatcher {
  let pattern = normaliseSlashes(rawPattern);
  if (pattern.endsWith("/")) pattern += "*";
  if (!GLOB_SYNTAX.test(pattern)) return (path) => path === pattern;
  const regex = new RegExp(`^${translate(pattern)}$`, "su");
  return (path) => regex.test(path);
}

/**
 * Translates a glob into a regular expression body. Runs of `*` split the pattern
 * into fixed-length segments; every segment except the last is matched at its
 * leftmost position inside an atomic group (lookahead plus back-reference), the
 * same trick Python uses, so patterns like `*a*a*a*b` cannot backtrack exponentially.
 */
function translate(pattern: string): string {
  const segments: string[] = [];
  let current = "";
  const characters = Array.from(pattern);
  let index = 0;
  while (index < characters.length) {
    const character = characters[index] as string;
    if (character === "*") {
      segments.push(current);
      current = "";
      while (characters[index] === "*") index++;
      continue;
    }
    if (character === "?") {
      current += ".";
      index++;
      continue;
    }
    if (character === "[") {
      const set = translateSet(characters, index + 1);
      if (set) {
        current += set.regex;
        index = set.next;
        continue;
      }
    }
    current += escapeCharacter(character);
    index++;
  }
  if (segments.length === 0) return current;
  const [head = "", ...middle] = segments;
  let regex = head;
  middle.forEach((segment, position) => {
    regex += `(?=([^]*?${segment}))\\${position + 1}`;
  });
  return `${regex}.*${current}`;
}

/**
 * Translates the set starting after `[` at `start`. Returns undefined when there is no
 * closing `]`, in which case Python treats the `[` as a literal character.
 */
function translateSet(characters: readonly string[], start: number): { regex: string; next: number } | undefined {
  let end = start;
  if (characters[end] === "!") end++;
  if (characters[end] === "]") end++;
  while (end < characters.length && characters[end] !== "]") end++;
  if (end >= characters.length) return undefined;

  const negated = characters[start] === "!";
  const body = characters.slice(negated ? start + 1 : start, end);
  const items: string[] = [];
  let index = 0;
  while (index < body.length) {
    const low = body[index] as string;
    const high = body[index + 2];
    if (body[index + 1] === "-" && high !== undefined) {
      // Python drops reversed ranges such as `z-a` instead of failing.
      if ((low.codePointAt(0) ?? 0) <= (high.codePointAt(0) ?? 0)) items.push(`${codePoint(low)}-${codePoint(high)}`);
      index += 3;
    } else {
      items.push(codePoint(low));
      index++;
    }
  }
  const next = end + 1;
  if (items.length === 0) return { regex: negated ? "." : "(?!)", next };
  return { regex: `[${negated ? "^" : ""}${items.join("")}]`, next };
}

function codePoint(character: string): string {
  return `\\u{${(character.codePointAt(0) ?? 0).toString(16)}}`;
}

function escapeCharacter(character: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(character) ? `\\${character}` : character;
}
