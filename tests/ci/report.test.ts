/** CI's verdict comes from bun's JUnit report: colours, skips and load errors cannot fool it. */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { REPO_ROOT, run, tempDir } from "../helpers/binary.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";

const REPORT = join(import.meta.dir, "report.ts");

const SUITE = `
import { describe, expect, test } from "bun:test";
test("adds", () => expect(1 + 1).toBe(2));
test("is wrong", () => expect(1 + 1).toBe(3));
test.skipIf(true)("skips for a local reason", () => {});
test.todo("comes later");
describe.skipIf(true)(${JSON.stringify(mustRunOnCI("needs a tool"))}, () => {
  describe("inner <&>", () => { test("deep", () => {}); });
});
`;

type Verdict = { code: number | null; out: string };

/** Runs bun test on `files` the way package.json's test script does, with FORCE_COLOR=1. */
async function bunTest(files: Record<string, string>): Promise<{ dir: string; status: number | null }> {
  const dir = tempDir("ci-report");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const { code } = await run(
    [process.execPath, "test", "--reporter=junit", "--reporter-outfile=junit.xml"],
    { cwd: dir, env: { ...process.env, FORCE_COLOR: "1", CI: "" }, timeoutMs: 60_000 },
  );
  return { dir, status: code };
}

async function verdict(args: string[], cwd: string): Promise<Verdict> {
  const { code, stdout, stderr } = await run([process.execPath, "run", REPORT, ...args], { cwd });
  return { code, out: stdout + stderr };
}

const closingLine = (out: string) => out.trimEnd().split("\n").at(-1);

describe("a suite with a failure, a skip, a todo and a skipped must-run block, run with FORCE_COLOR=1", () => {
  let dir: string;
  let status: number | null;
  beforeAll(async () => {
    ({ dir, status } = await bunTest({ "a.test.ts": SUITE }));
    writeFileSync(join(dir, "smoke.txt"), "ok\tbuild\nFAIL\t--version\nok\t--help\n");
  });

  test("bun exits 1 and the counts come from the report, not the coloured console", async () => {
    expect(status).toBe(1);
    const { code, out } = await verdict(["--junit", "junit.xml", "--test-status", "1"], dir);
    expect(code).toBe(1);
    expect(out).toContain("tests: 1 passed, 1 failed (2 skipped, 1 todo; the reasons are printed above)");
    expect(out).toContain("smoke checks: 0 passed, 0 failed");
    expect(closingLine(out)).toBe("1 passed, 1 failed");
  });

  test("with --must-run the skipped must-run test counts as failed and is named", async () => {
    const { code, out } = await verdict(["--junit", "junit.xml", "--test-status", "1", "--must-run"], dir);
    expect(code).toBe(1);
    expect(out).toContain("FAIL skipped, but CI must run it: a.test.ts > needs a tool [must run on CI] > inner <&> > deep");
    expect(out).not.toContain("skips for a local reason");
    expect(out).toContain("tests: 1 passed, 2 failed");
    expect(closingLine(out)).toBe("1 passed, 2 failed");
  });

  test("smoke checks are counted on their own line and added to the closing line", async () => {
    const { out } = await verdict(["--junit", "junit.xml", "--test-status", "1", "--smoke", "smoke.txt"], dir);
    expect(out).toContain("smoke checks: 2 passed, 1 failed");
    expect(closingLine(out)).toBe("3 passed, 2 failed");
  });
});

test("a green suite with FORCE_COLOR=1 is green", async () => {
  const { dir, status } = await bunTest({ "ok.test.ts": `import { test, expect } from "bun:test";\ntest("ok", () => expect(true).toBe(true));\n` });
  expect(status).toBe(0);
  writeFileSync(join(dir, "smoke.txt"), "ok\tbuild\n");
  const { code, out } = await verdict(["--junit", "junit.xml", "--test-status", "0", "--smoke", "smoke.txt", "--must-run"], dir);
  expect(code).toBe(0);
  expect(out).toContain("tests: 1 passed, 0 failed\n");
  expect(closingLine(out)).toBe("2 passed, 0 failed");
});

test("a test file that fails to load is in no <testcase>, yet the run fails", async () => {
  const { dir, status } = await bunTest({
    "ok.test.ts": `import { test } from "bun:test";\ntest("ok", () => {});\n`,
    "broken.test.ts": `throw new Error("cannot load");\n`,
  });
  expect(status).toBe(1);
  const { code, out } = await verdict(["--junit", "junit.xml", "--test-status", String(status)], dir);
  expect(code).toBe(1);
  expect(out).toContain("bun test exited 1 with no failing test in its report");
  expect(closingLine(out)).toBe("1 passed, 1 failed");
});

test("no report at all is a failure, never a pass", async () => {
  const dir = tempDir("ci-report-none");
  const { code, out } = await verdict(["--junit", "junit.xml", "--test-status", "0"], dir);
  expect(code).toBe(1);
  expect(out).toContain("bun test wrote no JUnit report (exit status 0)");
  expect(closingLine(out)).toBe("0 passed, 1 failed");
});

test("the README's test command writes the report where .ci/run reads it", () => {
  const outfile = /--reporter=junit --reporter-outfile=(\S+)/.exec(pkg.scripts.test)?.[1];
  expect(outfile).toBeDefined();
  // bun does not create the report's directory (it only prints JUnitReportFailed and exits 0).
  expect(pkg.scripts.test).toContain(`mkdir -p ${dirname(outfile!)} && bun test`);
  const ci = readFileSync(join(REPO_ROOT, ".ci", "run"), "utf8");
  expect(ci).toContain(`junit="${outfile}"`);
  expect(ci).toContain("tests/ci/report.ts");
});
