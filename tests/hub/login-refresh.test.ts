import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/binary.ts";
import { project, runAgainst, spawnAgainst, startHub } from "../helpers/hub-scenario.ts";
import { type LocalHub, TEST_TOKENS } from "../local-hub/index.ts";
import { PRIVATE, testRepos } from "../local-hub/test-fixtures.ts";

const EXPIRED_ACCESS = "hf_oauth_expired_access_token";
const CONFIG = `cache_dir: cache\nmodels:\n  - id: m\n    repo_id: ${PRIVATE}\n`;

let hub: LocalHub;
/** The endpoint: answers POST /oauth/token itself as `oauth` says, and passes everything else to the local hub. */
let front: ReturnType<typeof Bun.serve>;
let oauth: () => Response | Promise<Response>;
const exchanges: URLSearchParams[] = [];

beforeAll(async () => {
  hub = await startHub({ repos: testRepos() });
  front = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      if (url.pathname === "/oauth/token" && request.method === "POST") {
        exchanges.push(new URLSearchParams(await request.text()));
        return oauth();
      }
      const headers = new Headers(request.headers);
      headers.delete("host");
      return fetch(`${hub.url}${url.pathname}${url.search}`, { headers, redirect: "manual", decompress: false } as RequestInit);
    },
  });
});
afterAll(() => {
  front.stop(true);
  return hub.stop();
});
beforeEach(() => {
  exchanges.length = 0;
});

/** A home as `hf auth login` leaves it after a browser sign-in: the token file and stored_tokens. */
function loggedInHome(expiresAt: number, refreshToken: string | null = "hfr_refresh_1"): string {
  const home = tempDir("mm-login");
  const dir = join(home, ".cache", "huggingface");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "token"), EXPIRED_ACCESS);
  const refresh = refreshToken ? `refresh_token = ${refreshToken}\n` : "";
  writeFileSync(join(dir, "stored_tokens"), `[other]\nhf_token = hf_unrelated\n\n[browser-login]\nhf_token = ${EXPIRED_ACCESS}\n${refresh}expires_at = ${expiresAt}\n\n`);
  return home;
}

const homeEnv = (home: string) => ({ HOME: home, HF_HOME: "", HF_ENDPOINT: `http://127.0.0.1:${front.port}` });
const run = (home: string, args: string[] = []) => runAgainst(hub, args, { cwd: project(CONFIG), env: homeEnv(home) });

/** Reads a stream to its end; `seen` resolves once the text so far contains `wanted`. */
function watchText(stream: ReadableStream<Uint8Array>, wanted: string) {
  let text = "";
  let markSeen = () => {};
  const seen = new Promise<void>((resolve) => (markSeen = resolve));
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes(wanted)) markSeen();
    }
    return text;
  })();
  return { seen, done };
}

describe("browser logins from `hf auth login` expire and are refreshed", () => {
  test("a token within a day of expiry is exchanged once, used, and written back to the token file and stored_tokens", async () => {
    oauth = () => Response.json({ access_token: TEST_TOKENS.approved, refresh_token: "hfr_refresh_2", expires_in: 2_592_000 });
    const home = loggedInHome(Math.floor(Date.now() / 1000) + 3600);
    const result = await run(home);
    expect(result.stderr).toContain('refreshed the expiring login "browser-login"');
    expect(result.code).toBe(0);
    expect(exchanges).toHaveLength(1);
    expect(Object.fromEntries(exchanges[0] ?? [])).toEqual({ grant_type: "refresh_token", refresh_token: "hfr_refresh_1", client_id: "26be6b09-91c5-47da-9861-d2d2bb7a7e36" });
    const dir = join(home, ".cache", "huggingface");
    expect(readFileSync(join(dir, "token"), "utf8")).toBe(TEST_TOKENS.approved);
    const stored = readFileSync(join(dir, "stored_tokens"), "utf8");
    expect(stored).toContain(`[browser-login]\nhf_token = ${TEST_TOKENS.approved}\nrefresh_token = hfr_refresh_2\nexpires_at = `);
    expect(stored).toContain("[other]\nhf_token = hf_unrelated\n");
    expect(statSync(join(dir, "token")).mode & 0o777).toBe(0o600);
    expect(result.stderr + result.stdout).not.toContain(TEST_TOKENS.approved);
  });

  test("a login the Hub will not refresh (invalid_grant) says it expired and how to log in again (exit 5)", async () => {
    oauth = () => Response.json({ error: "invalid_grant", error_description: "Refresh token expired" }, { status: 400 });
    const home = loggedInHome(Math.floor(Date.now() / 1000) - 60);
    const result = await run(home);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain("by `hf auth login` has expired and could not be refreshed (invalid_grant: Refresh token expired): run `hf auth login` again");
    expect(readFileSync(join(home, ".cache", "huggingface", "token"), "utf8")).toBe(EXPIRED_ACCESS);
  });

  test("an expired login without a refresh token is named as expired when the Hub rejects it (exit 5)", async () => {
    const home = loggedInHome(Math.floor(Date.now() / 1000) - 60, null);
    const result = await run(home);
    expect(exchanges).toHaveLength(0);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain(`a browser login that expired on `);
    expect(result.stderr).toContain("log in again with `hf auth login`");
  });

  test("a login with more than a day left is used as it is, without a refresh", async () => {
    oauth = () => Response.json({ access_token: TEST_TOKENS.approved });
    const home = loggedInHome(Math.floor(Date.now() / 1000) + 30 * 86400);
    await run(home);
    expect(exchanges).toHaveLength(0);
  });

  test("two runs refreshing the same login at once spend the refresh token once: the second waits and uses the token the first stored", async () => {
    // The first exchange is answered only once the other run is seen waiting for it (or, without a lock, has sent its own).
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    oauth = async () => {
      if (exchanges.length > 1) release();
      await released;
      return Response.json({ access_token: TEST_TOKENS.approved, refresh_token: `hfr_refresh_${exchanges.length + 1}`, expires_in: 2_592_000 });
    };
    const home = loggedInHome(Math.floor(Date.now() / 1000) + 3600);
    const runs = [0, 1].map(() => {
      const proc = spawnAgainst(hub, [], { cwd: project(CONFIG), env: homeEnv(home) });
      return proc.then((spawned) => ({ spawned, stderr: watchText(spawned.stderr, "waiting for process") }));
    });
    const started = await Promise.all(runs);
    void Promise.race(started.map((one) => one.stderr.seen)).then(release);
    const results = await Promise.all(started.map(async ({ spawned, stderr }) => ({ code: await spawned.exited, stderr: await stderr.done })));
    expect(exchanges).toHaveLength(1);
    for (const result of results) expect(result.code).toBe(0);
    expect(results.filter((result) => result.stderr.includes('refreshed the expiring login "browser-login"'))).toHaveLength(1);
    expect(results.filter((result) => result.stderr.includes("waiting for process"))).toHaveLength(1);
    const dir = join(home, ".cache", "huggingface");
    expect(readFileSync(join(dir, "token"), "utf8")).toBe(TEST_TOKENS.approved);
    expect(readFileSync(join(dir, "stored_tokens"), "utf8")).toContain(`[browser-login]\nhf_token = ${TEST_TOKENS.approved}\nrefresh_token = hfr_refresh_2\n`);
  });
});
