/** The exit codes, said in three places: src/errors.ts (what the code returns), README's table and --help. */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ExitCode } from "../../src/errors.ts";
import { REPO_ROOT } from "../helpers/binary.ts";
import { runCli } from "../helpers/run-cli.ts";

test("README's Exit codes table and --help's Exit codes name every code the source has, and no other", async () => {
  const codes = Object.values(ExitCode).sort((a, b) => a - b);
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("\n### Exit codes\n"), readme.indexOf("\n## Configuration\n"));
  expect([...table.matchAll(/^\| (\d+) \|/gm)].map((match) => Number(match[1]))).toEqual(codes);
  const help = (await runCli(["--help"])).stdout;
  const section = help.slice(help.indexOf("\nExit codes:\n"), help.indexOf("\nEnvironment:\n"));
  expect([...section.matchAll(/^ {2}(\d+) /gm)].map((match) => Number(match[1]))).toEqual(codes);
});
