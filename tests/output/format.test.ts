import { describe, expect, test } from "bun:test";
import { project } from "../helpers/hub-scenario.ts";
import { DEAD_ENDPOINT, runCli } from "../helpers/run-cli.ts";

describe("tables", () => {
  test("--list keeps its columns straight with wide (CJK) and combining characters in ids", async () => {
    const cwd = project('models:\n  - id: "模型"\n    repo_id: org/a\n  - id: "cafe\\u0301"\n    repo_id: org/b\n  - id: plain\n    repo_id: org/c\n');
    const run = await runCli(["-c", "models.yaml", "--list"], { cwd, env: { HF_ENDPOINT: DEAD_ENDPOINT } });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    // The REPOSITORY column starts at the same terminal column on every line.
    const starts = lines.map((line) => Bun.stringWidth(line.slice(0, line.search(/ {2}\S/) + 2)));
    expect(new Set(starts).size).toBe(1);
    expect(lines).toHaveLength(4);
  });
});
