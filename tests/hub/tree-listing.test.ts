import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expectSameBytes, project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

const REPO = "acme/listed";
const ODD = "acme/odd-docs";
const FILES = { "config.json": json({ a: 1 }), "model.safetensors": generated(200_000), "docs/readme.md": "# docs\n" };
const CONFIG = `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: REPO, files: FILES },
      { id: ODD, files: { "config.json": json({ b: 2 }) }, hostileTreeEntries: ["docs\\windows.txt", "../../escape.txt"] },
    ],
  });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

/** The hub's real listing of REPO, for a test to reshape and serve instead. */
async function realListing(): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${hub.url}/api/models/${REPO}/tree/main?recursive=true&expand=false`);
  return (await response.json()) as Array<Record<string, unknown>>;
}

function serveListing(entries: unknown[]): void {
  hub.inject({ kind: "status", status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(entries), route: "api-tree", times: "always" });
}

describe("tree listings as the real Hub and mirrors send them", () => {
  test("lfs: null, unknown entry types and extra fields are accepted; the unknown entries are skipped with a -v note", async () => {
    const entries = (await realListing()).map((entry) => ({ ...entry, lfs: entry.lfs ?? null, xetHash: null, securityFileStatus: { status: "safe" } }));
    serveListing([...entries, { type: "submodule", path: "vendor/lib", oid: "b".repeat(40) }]);
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["-v"], { cwd });
    expect(run.code).toBe(0);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
    expect(run.stderr).toContain(`${REPO}: skipped 1 listing entry of unknown type "submodule" (for example "vendor/lib")`);
  });

  test("a path listed twice with the same content is downloaded once", async () => {
    const entries = await realListing();
    serveListing([...entries, ...entries.filter((entry) => entry.type === "file")]);
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, ["-q"], { cwd });
    expect(run.code).toBe(0);
    expectSameBytes(hub, REPO, Object.keys(FILES), join(cwd, "cache", "m"));
    expect(hub.requests.filter((request) => request.route === "resolve" && request.path === "config.json")).toHaveLength(1);
  });

  test("a path listed twice with different content is refused before anything is written", async () => {
    const entries = await realListing();
    const config = entries.find((entry) => entry.path === "config.json");
    serveListing([...entries, { ...config, oid: "d".repeat(40) }]);
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The Hub's file listing of ${REPO} lists "config.json" twice with different content`);
    expect(hub.requests.filter((request) => request.route === "resolve")).toHaveLength(0);
    expect(existsSync(join(cwd, "cache", "m"))).toBe(false);
  });
});

describe("path safety applies to the files that will be written", () => {
  test("odd paths outside the selection do not fail the model; -v says what was skipped and why", async () => {
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${ODD}\n    files: [config.json]\n`);
    const run = await runAgainst(hub, ["-v"], { cwd });
    expect(run.code).toBe(0);
    expect(readdirSync(join(cwd, "cache", "m"))).toEqual(["config.json"]);
    expect(run.stderr).toContain(`${ODD}: not selected, and not safe to write here, so skipped: "docs\\\\windows.txt" (`);
    expect(run.stderr).toContain('"../../escape.txt" (');
  });

  test("a selected odd path still fails the model before anything is written", async () => {
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${ODD}\n    files: ["docs*", config.json]\n`);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refusing path "docs\\\\windows.txt" from ${ODD}`);
    expect(existsSync(join(cwd, "cache", "m"))).toBe(false);
  });
});
