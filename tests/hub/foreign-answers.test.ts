import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { runCli } from "../helpers/run-cli.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { startHostileServer } from "./hostile-server.ts";

const REPO = "acme/cdn-refused";
const BIG = "model.safetensors";
const CONFIG = `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${REPO}\n`;

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: [{ id: REPO, files: { "config.json": json({ a: 1 }), [BIG]: generated(300_000) } }] });
});
afterAll(() => hub.stop());
beforeEach(() => {
  hub.clearFaults();
  hub.resetLog();
});

describe("answers that are not the Hub's", () => {
  test("a 403 from the CDN is reported as a refused download URL (retried through /resolve/ once), not as repository access", async () => {
    hub.inject({ kind: "expired-url", host: "cdn", path: BIG, times: "always" });
    const cwd = project(CONFIG);
    const run = await runAgainst(hub, [], { cwd, env: { MODEL_MANAGER_RANGED_THRESHOLD: "100KiB", MODEL_MANAGER_CHUNK_SIZE: "100KiB" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The download server ${new URL(hub.cdnUrl).host} refused the signed URL the Hub gave for "${BIG}" in repository ${REPO} (HTTP 403)`);
    expect(run.stderr).toContain("This is not about access to the repository");
    expect(run.stderr).not.toContain("HF_TOKEN");
    expect(existsSync(join(cwd, "cache", "m", BIG))).toBe(false);
    const resolves = hub.requests.filter((request) => request.route === "resolve" && request.path === BIG);
    expect(resolves.length).toBeGreaterThanOrEqual(2);
  });

  test("a 404 web page where the Hub API should be says HF_ENDPOINT is not a Hub, not that the repository is missing", async () => {
    using server = startHostileServer(() => ({ status: 404, headers: { "Content-Type": "text/html" }, body: "<html><body><h1>404 Not Found</h1><hr>nginx</body></html>" }));
    const cwd = project(CONFIG);
    const run = await runCli(["--config", "models.yaml"], { cwd, env: { HF_ENDPOINT: `${server.url}/hub` } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`HF_ENDPOINT=${server.url}/hub does not look like a Hugging Face Hub (404 without Hub error headers for repository ${REPO})`);
    expect(run.stderr).not.toContain("not found");
    expect(run.stderr).not.toContain("HF_TOKEN");
  });

  test("a Hub 404 (X-Error-Code or a JSON error) still means the repository is missing", async () => {
    const cwd = project("cache_dir: cache\nmodels:\n  - id: m\n    repo_id: acme/missing\n");
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("repository acme/missing was not found");
  });
});
