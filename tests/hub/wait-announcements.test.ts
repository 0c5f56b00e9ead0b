import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { json, type LocalHub } from "../local-hub/index.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: ["acme/said", "acme/quiet", "acme/short", "acme/paced"].map((id) => ({ id, files: { "config.json": json({ id }) } })) });
});
afterAll(() => hub.stop());

const config = (repo: string) => `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${repo}\n`;

describe("a user always knows why nothing moves", () => {
  test("a rate-limit wait of 2 s or more is announced once on stderr without control characters; -q silences it; short waits stay quiet", async () => {
    hub.inject({ kind: "rate-limit", retryAfterSeconds: 2, route: "api-revision", repo: "acme/said" });
    hub.inject({ kind: "rate-limit", retryAfterSeconds: 2, route: "api-revision", repo: "acme/quiet" });
    hub.inject({ kind: "status", status: 503, route: "api-revision", repo: "acme/short" });
    const [said, quiet, short] = await Promise.all([
      runAgainst(hub, [], { cwd: project(config("acme/said")) }),
      runAgainst(hub, ["-q"], { cwd: project(config("acme/quiet")) }),
      runAgainst(hub, [], { cwd: project(config("acme/short")) }),
    ]);
    expect([said.code, quiet.code, short.code]).toEqual([0, 0, 0]);
    const announcements = said.stderr.split("\n").filter((line) => line.includes("rate limited by the Hub: waiting"));
    expect(announcements).toHaveLength(1);
    expect(announcements[0]).toMatch(/^rate limited by the Hub: waiting [23] s before retrying revision main of acme\/said \(attempt 2 of 6\)$/);
    expect(said.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(quiet.stderr).toBe("");
    // Retries back off in tens of milliseconds in tests: nothing worth announcing.
    expect(short.stderr).not.toContain("retrying");
  });

  test("when the Hub's RateLimit header says no request is left in the window, the next one waits for the reset instead of drawing a 429", async () => {
    const commit = hub.file("acme/paced", "config.json")?.commit;
    hub.inject({
      kind: "status",
      status: 200,
      headers: { RateLimit: '"api";r=0;t=3', "Content-Type": "application/json" },
      body: JSON.stringify({ id: "acme/paced", sha: commit }),
      route: "api-revision",
      repo: "acme/paced",
    });
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd: project(config("acme/paced")) });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("the Hub's rate limit for api requests is nearly used up: pausing 3 s before file list page 1 of acme/paced");
    expect(hub.requests.filter((request) => request.route === "api-tree").map((request) => request.status)).toEqual([200]);
  });
});
