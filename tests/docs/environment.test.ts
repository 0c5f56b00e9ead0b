/**
 * The environment variables, said in three places that must not drift apart: README's Environment
 * table, the Environment section of the compiled binary's --help, and the variables the source reads.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/binary.ts";
import { runCli } from "../helpers/run-cli.ts";

const VARIABLE = /\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b(?:_\*)?|\bHOME\b|\bAWS_\*/g;

/** README's table rows under "## Environment". */
function readmeTable(): string[] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Environment\n"));
  return section
    .slice(0, section.indexOf("\n\n", section.indexOf("| variable |")))
    .split("\n")
    .filter((line) => line.startsWith("| `"));
}

/** The variables a row's first column names; `_CHUNK_SIZE` after `MODEL_MANAGER_CONNECTIONS` is MODEL_MANAGER_CHUNK_SIZE. */
function readmeVariables(): string[] {
  return readmeTable().flatMap((row) => {
    const names = [...(row.split(" | ")[0] ?? "").matchAll(/`([^`]+)`/g)].map((match) => (match[1] as string).replace(/=.*/, ""));
    const prefix = names[0]?.startsWith("MODEL_MANAGER_") ? "MODEL_MANAGER" : "";
    return names.map((name) => (name.startsWith("_") ? `${prefix}${name}` : name));
  });
}

/** The name column of --help's Environment section (a line with no description continues the names). */
function helpVariables(help: string): string[] {
  const section = help.slice(help.indexOf("\nEnvironment:\n"));
  return section
    .split("\n")
    .slice(2)
    .filter((line) => /^ {2}\S/.test(line))
    .flatMap((line) => [...(line.trim().split(/\s{2,}/)[0] ?? "").matchAll(VARIABLE)].map((match) => match[0]));
}

describe("environment variables", () => {
  test("README's Environment table and --help's Environment section name the same variables, in the same order", async () => {
    const documented = readmeVariables();
    expect(documented).toContain("MODEL_MANAGER_MIN_SPEED");
    expect(documented).toContain("MODEL_MANAGER_RETRY_BASE_MS");
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(helpVariables(help.stdout)).toEqual(documented);
  });

  test("every variable the source reads is in README's Environment table", () => {
    const table = readmeTable().join("\n");
    const documented = new Set(readmeVariables());
    const read = new Set<string>();
    for (const path of new Bun.Glob("src/**/*.ts").scanSync({ cwd: REPO_ROOT })) {
      const source = readFileSync(join(REPO_ROOT, path), "utf8");
      // env.NAME, and names given as strings to whatever looks them up ("HF_HUB_CACHE", readCount(env, "MODEL_MANAGER_…")).
      for (const match of source.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)|"((?:HF|HUGGINGFACE|HUGGING_FACE|MODEL_MANAGER|CI|XDG|S3|AWS|NODE|HTTPS?|ALL|NO)_[A-Z0-9_]+)"/g)) {
        read.add((match[1] ?? match[2]) as string);
      }
    }
    read.delete("MODEL_MANAGER_ERROR"); // an error code, not a variable
    expect(read.size).toBeGreaterThan(20);
    // In the first column, or said in a row's text (TERM=dumb).
    expect([...read].filter((name) => !documented.has(name) && !new RegExp(`\\b${name}\\b`).test(table))).toEqual([]);
  });
});
