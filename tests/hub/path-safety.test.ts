import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { json, type LocalHub } from "../local-hub/index.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

const HOSTILE = ["../escape.txt", "sub/../../escape.txt", "/etc/passwd-copy", "dir\\..\\escape.txt", "C:/windows.txt", "a//b.txt", "./dot.txt", "nul\0byte.txt", "new\nline.txt", "esc\x1b[31mred.txt", "del\x7f.txt"];

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: HOSTILE.map((path, index) => ({ id: `evil/repo-${index}`, files: { "config.json": json({ ok: true }) }, hostileTreeEntries: [path] })),
  });
});
afterAll(() => hub.stop());

describe("paths from the Hub", () => {
  for (const [index, path] of HOSTILE.entries()) {
    test(`${JSON.stringify(path)} is refused before anything is written`, async () => {
      const cwd = project(`cache_dir: cache\nmodels:\n  - id: m\n    repo_id: evil/repo-${index}\n    exclude: []\n`);
      hub.resetLog();
      const run = await runAgainst(hub, [], { cwd });
      expect(run.code).toBe(1);
      // Shown JSON-quoted, with DEL escaped too: no control character reaches the terminal.
      const shown = JSON.stringify(path).replace(/\x7f/g, "\\u007f");
      expect(run.stderr).toContain(`Refusing path ${shown} from evil/repo-${index}`);
      expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
      expect(existsSync(join(cwd, "cache", "m"))).toBe(false);
      expect(readdirSync(cwd).sort()).toEqual(["models.yaml"].concat(existsSync(join(cwd, "cache")) ? ["cache"] : []).sort());
      expect(existsSync(join(dirname(cwd), "escape.txt"))).toBe(false);
    });
  }
});

describe("symlinks planted in the cache", () => {
  test("a model folder that links outside the cache is refused, and nothing lands outside", async () => {
    const { mkdirSync, symlinkSync } = await import("node:fs");
    hub.addRepo({ id: "evil/nested", files: { "sub/model.txt": "payload\n" } });
    const cwd = project("cache_dir: cache\nmodels:\n  - id: m\n    repo_id: evil/nested\n");
    const outside = join(cwd, "outside");
    mkdirSync(outside);
    mkdirSync(join(cwd, "cache", "m"), { recursive: true });
    symlinkSync(outside, join(cwd, "cache", "m", "sub"));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is a symlink to");
    expect(readdirSync(outside)).toEqual([]);
  });
});
