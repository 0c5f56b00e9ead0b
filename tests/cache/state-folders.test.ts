import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

// Locks, partial downloads and quarantined copies are written under .model-manager/: never through a link.
const REPO = "acme/stateful";
const FILES = { "config.json": json({ a: 1 }), "model.safetensors": generated(1_200_000) };
const CONFIG = `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: FILES }] });
});
afterAll(() => hub.stop());

describe("state folders that are links", () => {
  for (const folder of [".model-manager", ".model-manager/locks", ".model-manager/partial", ".model-manager/quarantine", ".model-manager/partial/m"]) {
    test(`${folder} as a symlink out of the cache is refused with an error naming it; nothing is written through it`, async () => {
      const cwd = project(CONFIG);
      const outside = tempDir("mm-elsewhere");
      mkdirSync(join(cwd, "cache", folder, ".."), { recursive: true });
      symlinkSync(outside, join(cwd, "cache", folder));
      const run = await runAgainst(hub, [], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`Refusing path "${folder}" from the cache ${join(cwd, "cache")}: it is a symlink to ${outside}, but model-manager keeps its own state there`);
      expect(readdirSync(outside)).toEqual([]);
    });
  }

  test("real folders are used as before", async () => {
    const cwd = project(CONFIG);
    mkdirSync(join(cwd, "cache", ".model-manager", "partial"), { recursive: true });
    expect((await runAgainst(hub, ["-q"], { cwd })).code).toBe(0);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
  });
});
