import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type LocalHub, TEST_TOKENS } from "../local-hub/index.ts";
import { GATED, PRIVATE, TINY, testRepos } from "../local-hub/test-fixtures.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: testRepos() });
});
afterAll(() => hub.stop());

function single(model: string): string {
  return `cache_dir: cache\nmodels:\n  - id: m\n${model}`;
}

describe("errors a user can act on", () => {
  test("a gated repo without a token exits 5, names the access page, and says no token was sent", async () => {
    const cwd = project(single(`    repo_id: ${GATED}\n`));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`repository ${GATED} is gated: request access at ${hub.url}/${GATED}`);
    expect(run.stderr).toContain("No token was sent: set HF_TOKEN");
    expect(existsSync(join(cwd, "cache", "m"))).toBe(false);
  });

  test("a gated repo with a token not approved exits 5 and says a token was sent, without printing it", async () => {
    const cwd = project(single(`    repo_id: ${GATED}\n`));
    const run = await runAgainst(hub, ["-v"], { cwd, env: { HF_TOKEN: TEST_TOKENS.user } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("A token (from HF_TOKEN) was sent, but its account is not approved");
    expect(run.stderr).not.toContain(TEST_TOKENS.user);
    expect(run.stdout).not.toContain(TEST_TOKENS.user);
  });

  test("a gated repo with an approved token downloads", async () => {
    const cwd = project(single(`    repo_id: ${GATED}\n`));
    hub.resetLog();
    const run = await runAgainst(hub, ["-v"], { cwd, env: { HF_TOKEN: TEST_TOKENS.approved } });
    expect(run.code).toBe(0);
    expect(existsSync(join(cwd, "cache", "m", "model.safetensors"))).toBe(true);
    expect(run.stderr).toContain("[token sent]");
    expect(run.stderr).not.toContain(TEST_TOKENS.approved);
    expect(hub.tokenSeenAtCdn).toBe(false);
    // Nor is it in any file the run wrote (index, state, locks).
    const written = readdirSync(cwd, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(written.length).toBeGreaterThan(2);
    for (const entry of written) expect(readFileSync(join(entry.parentPath, entry.name), "utf8")).not.toContain(TEST_TOKENS.approved);
  });

  test("an invalid token exits 5 naming HF_TOKEN", async () => {
    const cwd = project(single(`    repo_id: ${TINY}\n`));
    const run = await runAgainst(hub, [], { cwd, env: { HF_TOKEN: TEST_TOKENS.invalid } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("rejected the token from HF_TOKEN as invalid or expired");
    expect(run.stderr).not.toContain(TEST_TOKENS.invalid);
  });

  test("a missing repository exits 4 and hints that private repos need HF_TOKEN", async () => {
    const cwd = project(single(`    repo_id: acme/does-not-exist\n`));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain("repository acme/does-not-exist was not found");
    expect(run.stderr).toContain("If it is private, set HF_TOKEN");
  });

  test("a private repository is reachable with a reader's token", async () => {
    const cwd = project(single(`    repo_id: ${PRIVATE}\n`));
    expect((await runAgainst(hub, [], { cwd })).code).toBe(4);
    expect((await runAgainst(hub, ["-q"], { cwd, env: { HF_TOKEN: TEST_TOKENS.approved } })).code).toBe(0);
  });

  test("a missing revision exits 4 naming it", async () => {
    const cwd = project(single(`    repo_id: ${TINY}\n    revision: no-such-branch\n`));
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(`Revision "no-such-branch" not found in repository ${TINY}`);
  });

  test("a files entry that matches nothing exits 4 naming it (a folder without its '/', a near miss), and nothing is downloaded", async () => {
    const cwd = project(single(`    repo_id: ${TINY}\n    files: [config.json, tokenizer.jsn, "*.gguf", sub/dir, Config.json]\n`));
    hub.resetLog();
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain(
      'the files entries "tokenizer.jsn", "*.gguf", "sub/dir" (a folder: write "sub/dir/"), "Config.json" (did you mean "config.json"?) match no file in acme/tiny-model at main',
    );
    expect(hub.requests.filter((request) => request.route === "resolve" || request.listener === "cdn")).toHaveLength(0);
  });

  test("one failing model does not stop the others; the exit code is the failure's", async () => {
    const cwd = project(`cache_dir: cache\nmodels:\n  - id: good\n    repo_id: ${TINY}\n  - id: bad\n    repo_id: acme/nope\n`);
    const run = await runAgainst(hub, [], { cwd });
    expect(run.code).toBe(4);
    expect(run.stdout).toBe(`good\t${join(cwd, "cache", "good")}\n`);
    expect(run.stderr).toContain("bad: repository acme/nope was not found");
    expect(run.stderr).toContain("1 of 2 models ready");
  });
});
