/** The outcome of each test in bun test's JUnit report (`--reporter=junit`). */

export type Outcome = "passed" | "failed" | "skipped" | "todo";
export type TestCase = {
  file: string;
  /** The enclosing describe names, as bun writes them in `classname` (innermost first, " > " between). */
  suite: string;
  name: string;
  outcome: Outcome;
};

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith("#x") || ref.startsWith("#X")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) out[m[1]!] = decode(m[2]!);
  return out;
}

// Bun writes each <testcase> either self-closed (passed) or with one child: <failure>, <skipped/>
// or <skipped message="TODO"/>. Attribute values never contain a raw "<" or ">" (they are escaped).
const TESTCASE = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;

function outcomeOf(body: string | undefined): Outcome {
  if (!body) return "passed";
  if (/<(failure|error)\b/.test(body)) return "failed";
  const skipped = /<skipped\b([^>]*)\/?>/.exec(body);
  if (skipped) return attributes(skipped[1]!).message === "TODO" ? "todo" : "skipped";
  return "passed";
}

/** Throws when `xml` is not a bun JUnit report (no <testsuites> root). */
export function parseJUnit(xml: string): TestCase[] {
  if (!/<testsuites\b/.test(xml)) throw new Error("not a JUnit report: no <testsuites> element");
  return [...xml.matchAll(TESTCASE)].map((m) => {
    const attrs = attributes(m[1]!);
    return { file: attrs.file ?? "", suite: attrs.classname ?? "", name: attrs.name ?? "", outcome: outcomeOf(m[3]) };
  });
}
