import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { project, runAgainst, startHub } from "../helpers/hub-scenario.ts";
import { type LocalHub, TEST_TOKENS } from "../local-hub/index.ts";
import { PRIVATE, TINY, testRepos } from "../local-hub/test-fixtures.ts";

let hub: LocalHub;
beforeAll(async () => {
  hub = await startHub({ repos: testRepos() });
});
afterAll(() => hub.stop());

const config = (repo: string) => `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${repo}\n`;

/** A home directory with a token file at ~/<relative>. */
function homeWithToken(relative: string, token: string): string {
  const home = tempDir("mm-home");
  mkdirSync(join(home, relative, ".."), { recursive: true });
  writeFileSync(join(home, relative), `${token}\n`);
  return home;
}

describe("a token problem names where the token came from", () => {
  test("an invalid HF_TOKEN says so and how to replace it (exit 5), without printing it", async () => {
    const run = await runAgainst(hub, [], { cwd: project(config(TINY)), env: { HF_TOKEN: TEST_TOKENS.invalid } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain("The Hub rejected the token from HF_TOKEN as invalid or expired");
    expect(run.stderr).toContain("Replace HF_TOKEN with a valid token");
    expect(run.stderr).not.toContain(TEST_TOKENS.invalid);
  });

  test("a stale token file in HF_HOME=~/… (expanded as huggingface_hub does) is named, with the advice to log in again", async () => {
    const home = homeWithToken("hf/token", TEST_TOKENS.invalid);
    const run = await runAgainst(hub, [], { cwd: project(config(TINY)), env: { HOME: home, HF_HOME: "~/hf" } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`The Hub rejected the token from the token file ${join(home, "hf", "token")} as invalid or expired`);
    expect(run.stderr).toContain("log in again with `hf auth login`");
  });

  test("HF_TOKEN_PATH expands $VARS and ${VARS}; the token it holds is used", async () => {
    const home = homeWithToken("secrets/hf-token", TEST_TOKENS.approved);
    const cwd = project(config(PRIVATE));
    expect((await runAgainst(hub, ["-q"], { cwd, env: { SECRETS: join(home, "secrets"), HF_TOKEN_PATH: "${SECRETS}/hf-token" } })).code).toBe(0);
  });

  test("an HF_TOKEN_PATH with a variable that is not set is a usage error naming it", async () => {
    const run = await runAgainst(hub, [], { cwd: project(config(TINY)), env: { HF_TOKEN_PATH: "$NO_SUCH_DIR_XYZ/token" } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("HF_TOKEN_PATH uses $NO_SUCH_DIR_XYZ, which is not set");
  });

  test("a token with a line break inside is refused naming its source, not with Bun's invalid header value", async () => {
    const run = await runAgainst(hub, [], { cwd: project(config(TINY)), env: { HF_TOKEN: `${TEST_TOKENS.approved}\nhf_second` } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`The token from HF_TOKEN cannot be sent in an HTTP header: it contains a line break at position ${TEST_TOKENS.approved.length + 1}`);
    expect(run.stderr).not.toContain("invalid header value");
    expect(run.stderr).not.toContain(TEST_TOKENS.approved);
  });

  test("the same in a token file names the file", async () => {
    const home = homeWithToken(".cache/huggingface/token", `${TEST_TOKENS.approved}\r\nhf_second`);
    const run = await runAgainst(hub, [], { cwd: project(config(TINY)), env: { HOME: home, HF_HOME: "" } });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`The token from the token file ${join(home, ".cache", "huggingface", "token")} cannot be sent in an HTTP header: it contains a line break`);
  });
});
