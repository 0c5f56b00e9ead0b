import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { runOffline } from "../helpers/run-cli.ts";

function project(config: string): string {
  const dir = tempDir("mm-ineffective");
  writeFileSync(join(dir, "models.yaml"), config);
  return dir;
}

const HF_WITH_LOCAL_DIR = `cache_dir: hub
layout: hf
models:
  - id: encoder
    repo_id: org/encoder
    local_dir: custom/encoder
  - id: tagger
    repo_id: org/tagger
`;

describe("settings that load but change nothing", () => {
  test("local_dir with layout: hf: one warning naming the file, place, model and field; the run goes on", async () => {
    const cwd = project(HF_WITH_LOCAL_DIR);
    const run = await runOffline(cwd, ["--list"]);
    expect(run.code).toBe(0);
    const warnings = run.stderr.split("\n").filter((line) => line.includes("local_dir"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('models.yaml:6:16: models[0].local_dir: is ignored for model "encoder" with layout: hf');
    expect(run.stdout).toMatch(/^encoder\s+org\/encoder@main\s+missing/m);
  });

  test("local_dir with the plain layout, or layout: hf without it: no warning", async () => {
    const plain = await runOffline(project(HF_WITH_LOCAL_DIR.replace("layout: hf\n", "")), ["--list"]);
    const hfOnly = await runOffline(project(HF_WITH_LOCAL_DIR.replace("    local_dir: custom/encoder\n", "")), ["--list"]);
    for (const run of [plain, hfOnly]) {
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain("is ignored");
    }
  });
});
