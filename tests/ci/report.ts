#!/usr/bin/env bun
/**
 * CI's verdict from bun test's JUnit report and the smoke checks `.ci/run` performed.
 *
 *   bun run tests/ci/report.ts --junit FILE --test-status N [--smoke FILE] [--must-run]
 *
 * --smoke FILE   one line per smoke check: "ok<TAB>name" or "FAIL<TAB>name"
 * --must-run     a skipped test whose name carries the must-run marker counts as failed
 *
 * Prints a line for the tests, one for the smoke checks, then exactly "N passed, M failed";
 * exits 1 when anything failed. Reading the JUnit file, not the console summary, keeps the
 * verdict independent of colours (FORCE_COLOR) and of what tests print.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { MUST_RUN_MARKER } from "../helpers/must-run.ts";
import { parseJUnit, type TestCase } from "./junit.ts";

export type ReportInput = {
  /** The JUnit XML, or undefined when bun wrote none. */
  junit: string | undefined;
  testStatus: number;
  smoke: string;
  mustRun: boolean;
};

export type Report = { lines: string[]; passed: number; failed: number };

type Tally = { passed: number; failed: number };

function describeTest(t: TestCase): string {
  return [t.file, ...t.suite.split(" > ").reverse().filter(Boolean), t.name].join(" > ");
}

function tallyTests(input: ReportInput, lines: string[]): Tally {
  if (input.junit === undefined) {
    lines.push(`error: bun test wrote no JUnit report (exit status ${input.testStatus})`);
    lines.push("tests: 0 passed, 1 failed");
    return { passed: 0, failed: 1 };
  }
  let cases: TestCase[];
  try {
    cases = parseJUnit(input.junit);
  } catch (error) {
    lines.push(`error: the JUnit report cannot be read: ${(error as Error).message} (exit status ${input.testStatus})`);
    lines.push("tests: 0 passed, 1 failed");
    return { passed: 0, failed: 1 };
  }
  const count = (o: TestCase["outcome"]) => cases.filter((t) => t.outcome === o).length;
  const passed = count("passed");
  let failed = count("failed");
  const skipped = count("skipped");
  const todo = count("todo");
  const mustRunSkipped = input.mustRun
    ? cases.filter((t) => t.outcome === "skipped" && `${t.suite} ${t.name}`.includes(MUST_RUN_MARKER))
    : [];
  for (const t of mustRunSkipped) lines.push(`FAIL skipped, but CI must run it: ${describeTest(t)}`);
  failed += mustRunSkipped.length;
  if (input.testStatus !== 0 && failed === 0) {
    // A file that fails to load, or an error thrown between tests, is in no <testcase>.
    lines.push(`error: bun test exited ${input.testStatus} with no failing test in its report (an error outside any test: see its output)`);
    failed = 1;
  }
  const extra = [skipped && `${skipped} skipped`, todo && `${todo} todo`].filter(Boolean).join(", ");
  lines.push(`tests: ${passed} passed, ${failed} failed${extra ? ` (${extra}; the reasons are printed above)` : ""}`);
  return { passed, failed };
}

function tallySmoke(smoke: string, lines: string[]): Tally {
  const results = smoke.split("\n").filter((l) => l.trim() !== "");
  const passed = results.filter((l) => l.startsWith("ok\t")).length;
  const failed = results.length - passed;
  lines.push(`smoke checks: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

export function report(input: ReportInput): Report {
  const lines: string[] = [];
  const tests = tallyTests(input, lines);
  const smoke = tallySmoke(input.smoke, lines);
  const passed = tests.passed + smoke.passed;
  const failed = tests.failed + smoke.failed;
  lines.push(`${passed} passed, ${failed} failed`);
  return { lines, passed, failed };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      junit: { type: "string" },
      "test-status": { type: "string" },
      smoke: { type: "string" },
      "must-run": { type: "boolean", default: false },
    },
  });
  if (!values.junit || values["test-status"] === undefined) {
    console.error("usage: bun run tests/ci/report.ts --junit FILE --test-status N [--smoke FILE] [--must-run]");
    process.exit(2);
  }
  const result = report({
    junit: existsSync(values.junit) ? readFileSync(values.junit, "utf8") : undefined,
    testStatus: Number(values["test-status"]),
    smoke: values.smoke && existsSync(values.smoke) ? readFileSync(values.smoke, "utf8") : "",
    mustRun: values["must-run"],
  });
  console.log(result.lines.join("\n"));
  process.exit(result.failed === 0 ? 0 : 1);
}
