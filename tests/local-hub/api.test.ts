/** The JSON API with plain fetch: info, revisions, tree, paths-info, renames, errors (fact sheet §1, §2, §4). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TEST_TOKENS } from "./fixtures.ts";
import { LocalHub } from "./local-hub.ts";
import { GATED, MANY, PRIVATE, testRepos, TINY } from "./test-fixtures.ts";

let hub: LocalHub;

beforeAll(async () => {
  hub = await LocalHub.start({ repos: testRepos(), treePageSize: 50 });
});

afterAll(async () => {
  await hub.stop();
});

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${hub.url}${path}`, { redirect: "manual", ...init });
}

function bearer(token: string, scheme = "Bearer"): RequestInit {
  return { headers: { Authorization: `${scheme} ${token}` } };
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return (await response.json()) as T;
}

interface TreeEntry {
  type: string;
  oid: string;
  size: number;
  path: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

describe("repo info", () => {
  test("fields, siblings and headers of GET /api/models/{id}", async () => {
    const response = await get(`/api/models/${TINY}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("etag")).toMatch(/^W\/"/);
    expect(response.headers.get("x-request-id")).toMatch(/^Root=1-/);
    expect(response.headers.get("x-powered-by")).toBe("huggingface-moon");
    expect(response.headers.get("access-control-expose-headers")).toContain("X-Repo-Commit");
    const info = await json(response);
    const repo = hub.repo(TINY)!;
    expect(info).toMatchObject({ _id: repo.objectId, id: TINY, modelId: TINY, author: "acme", sha: repo.head.sha, private: false, gated: false });
    expect(info.siblings).toEqual([...repo.head.files.keys()].sort().map((rfilename) => ({ rfilename })));
  });

  test("blobs=true (or True) adds size, blobId and lfs with the sha256 key", async () => {
    for (const flag of ["true", "True", "1"]) {
      const info = await json<{ siblings: Array<Record<string, unknown>> }>(await get(`/api/models/${TINY}?blobs=${flag}`));
      const weights = info.siblings.find((sibling) => sibling.rfilename === "model.safetensors")!;
      const file = hub.file(TINY, "model.safetensors")!;
      expect(weights).toEqual({ rfilename: "model.safetensors", size: 300_000, blobId: file.oid, lfs: { size: 300_000, sha256: file.sha256, pointerSize: 131 } });
      const config = info.siblings.find((sibling) => sibling.rfilename === "config.json")!;
      expect(config).toEqual({ rfilename: "config.json", size: hub.file(TINY, "config.json")!.size, blobId: hub.file(TINY, "config.json")!.oid });
    }
  });

  test("expand= selects fields", async () => {
    const info = await json(await get(`/api/models/${TINY}/revision/main?expand=sha&expand=gated&expand=private`));
    expect(Object.keys(info).sort()).toEqual(["_id", "gated", "id", "private", "sha"]);
  });

  test("revisions: branch, tag, HEAD, refs/pr/N encoded or not, refs/heads, full and short commits", async () => {
    const repo = hub.repo(TINY)!;
    const v1 = repo.tags.get("v1")!;
    const cases: Array<[string, string]> = [
      ["main", repo.head.sha],
      ["HEAD", repo.head.sha],
      ["dev", repo.branches.get("dev")!],
      ["v1", v1],
      ["refs%2Fpr%2F1", repo.pullRequests.get(1)!],
      ["refs/pr/1", repo.pullRequests.get(1)!],
      ["refs%2Fheads%2Fdev", repo.branches.get("dev")!],
      [v1, v1],
      [v1.slice(0, 7), v1],
    ];
    for (const [revision, sha] of cases) {
      expect((await json(await get(`/api/models/${TINY}/revision/${revision}`))).sha).toBe(sha);
    }
  });

  test("an unknown revision is 404 RevisionNotFound", async () => {
    const response = await get(`/api/models/${TINY}/revision/badrev`);
    expect(response.status).toBe(404);
    expect(response.headers.get("x-error-code")).toBe("RevisionNotFound");
    expect(await json(response)).toEqual({ error: "Invalid rev id: badrev" });
  });
});

describe("tree", () => {
  const paths = async (path: string) => (await json<TreeEntry[]>(await get(path))).map((entry) => `${entry.type[0]}:${entry.path}`);

  test("root without recursive: direct children, directories included", async () => {
    expect(await paths(`/api/models/${TINY}/tree/main`)).toEqual(["f:README.md", "f:config.json", "f:model.safetensors", "d:sub"]);
  });

  test("recursive (true, True, 1) lists every file and directory; sub-paths may be %2F-encoded", async () => {
    const all = ["f:README.md", "f:config.json", "f:model.safetensors", "d:sub", "d:sub/dir", "f:sub/dir/notes.txt", "f:sub/weights.bin"];
    for (const flag of ["true", "True", "1"]) expect(await paths(`/api/models/${TINY}/tree/main?recursive=${flag}`)).toEqual(all);
    expect(await paths(`/api/models/${TINY}/tree/main/sub%2Fdir`)).toEqual(["f:sub/dir/notes.txt"]);
    expect(await paths(`/api/models/${TINY}/tree/main/sub?recursive=true`)).toEqual(["d:sub/dir", "f:sub/dir/notes.txt", "f:sub/weights.bin"]);
    expect(await paths(`/api/models/${TINY}/tree/refs%2Fpr%2F1`)).toContain("f:pr-only.txt");
  });

  test("entry shapes: lfs {oid,size,pointerSize} and git ids", async () => {
    const entries = await json<TreeEntry[]>(await get(`/api/models/${TINY}/tree/main?recursive=true`));
    const weights = entries.find((entry) => entry.path === "model.safetensors")!;
    const file = hub.file(TINY, "model.safetensors")!;
    expect(weights).toEqual({ type: "file", oid: file.oid, size: 300_000, path: "model.safetensors", lfs: { oid: file.sha256, size: 300_000, pointerSize: 131 } });
    const directory = entries.find((entry) => entry.path === "sub")!;
    expect(directory).toEqual({ type: "directory", oid: hub.repo(TINY)!.head.directories.get("sub")!.oid, size: 0, path: "sub" });
  });

  test("an unknown path is 404 EntryNotFound with X-Repo-Commit", async () => {
    const response = await get(`/api/models/${TINY}/tree/main/nowhere`);
    expect(response.status).toBe(404);
    expect(response.headers.get("x-error-code")).toBe("EntryNotFound");
    expect(response.headers.get("x-repo-commit")).toBe(hub.repo(TINY)!.head.sha);
  });

  test("pagination: absolute Link with rel=next that JS's regex parses, ending on the last page", async () => {
    const seen: string[] = [];
    let url: string | undefined = `${hub.url}/api/models/${MANY}/tree/main?recursive=true&expand=false`;
    let pages = 0;
    while (url) {
      const response: Response = await fetch(url);
      seen.push(...(await json<TreeEntry[]>(response)).map((entry) => entry.path));
      const link: string | null = response.headers.get("link");
      url = link ? /<(https?:[/][/][^>]+)>;\s+rel="([^"]+)"/.exec(link)?.[1] : undefined;
      if (link) expect(url).toStartWith(`${hub.url}/api/models/${MANY}/tree/main?`);
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(124);
    expect(new Set(seen).size).toBe(124);
  });

  test("expand=true pages by 50 unless limit says otherwise", async () => {
    const response = await get(`/api/models/${MANY}/tree/main?recursive=true&expand=true`);
    expect(await json<TreeEntry[]>(response)).toHaveLength(50);
    const limited = await get(`/api/models/${MANY}/tree/main?recursive=true&limit=7`);
    expect(await json<TreeEntry[]>(limited)).toHaveLength(7);
    expect(limited.headers.get("link")).toContain("limit=7");
  });

  test("the cursor pins the commit while the branch moves", async () => {
    const first = await get(`/api/models/${MANY}/tree/main?recursive=true&limit=100`);
    const next = /<([^>]+)>/.exec(first.headers.get("link")!)![1]!;
    const before = hub.repo(MANY)!.head.sha;
    hub.pushCommit({ repo: MANY, files: { "new.txt": "new\n" }, branch: "main" });
    const rest = await json<TreeEntry[]>(await fetch(next));
    expect(rest.map((entry) => entry.path)).not.toContain("new.txt");
    expect(rest).toHaveLength(24);
    expect(hub.repo(MANY)!.resolveRevision(before)).toBeDefined();
  });
});

describe("paths-info", () => {
  test("form-encoded body, as huggingface_hub sends it", async () => {
    const response = await get(`/api/models/${TINY}/paths-info/main`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "paths=config.json&paths=sub&paths=missing&expand=False",
    });
    const entries = await json<TreeEntry[]>(response);
    expect(entries.map((entry) => [entry.type, entry.path])).toEqual([
      ["file", "config.json"],
      ["directory", "sub"],
    ]);
    expect(entries[0]).not.toHaveProperty("lastCommit");
  });

  test("JSON body with expand", async () => {
    const response = await get(`/api/models/${TINY}/paths-info/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ paths: ["config.json"], expand: true }),
    });
    const [entry] = await json<Array<TreeEntry & { lastCommit: { id: string } }>>(response);
    expect(entry!.lastCommit.id).toBe(hub.repo(TINY)!.tags.get("v1")!);
  });
});

describe("refs and renames", () => {
  test("refs lists branches and tags (and PRs on request)", async () => {
    const refs = await json<{ branches: Array<{ name: string }>; tags: unknown[]; pullRequests?: unknown[] }>(
      await get(`/api/models/${TINY}/refs?include_prs=1`),
    );
    expect(refs.branches.map((branch) => branch.name).sort()).toEqual(["dev", "main"]);
    expect(refs.tags).toHaveLength(1);
    expect(refs.pullRequests).toHaveLength(1);
  });

  test("an old id answers a relative 307 to the new one, query kept", async () => {
    const response = await get("/api/models/oldorg/tiny-model/revision/main?blobs=true");
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(`/api/models/${TINY}/revision/main?blobs=true`);
    expect(await response.text()).toBe(`Temporary Redirect. Redirecting to /api/models/${TINY}/revision/main?blobs=true`);
    const legacy = await get("/api/models/tiny-model-legacy");
    expect(legacy.headers.get("location")).toBe(`/api/models/${TINY}`);
    const followed = await fetch(`${hub.url}/api/models/tiny-model-legacy`);
    expect((await json(followed)).id).toBe(TINY);
  });
});

describe("auth and errors (fact sheet §4)", () => {
  const expectError = async (response: Response, status: number, code: string | null, message: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("x-error-code")).toBe(code);
    expect(response.headers.get("x-error-message")).toBe(message);
    expect(await json(response)).toEqual({ error: message });
  };

  test("missing repo: 401 anonymous, 404 RepoNotFound authenticated", async () => {
    await expectError(await get("/api/models/acme/missing"), 401, "RepoNotFound", "Invalid username or password.");
    await expectError(await get("/api/models/acme/missing", bearer(TEST_TOKENS.user)), 404, "RepoNotFound", "Repository not found");
  });

  test("private repo: like a missing one unless the token may read it", async () => {
    await expectError(await get(`/api/models/${PRIVATE}`), 401, "RepoNotFound", "Invalid username or password.");
    await expectError(await get(`/api/models/${PRIVATE}`, bearer(TEST_TOKENS.user)), 404, "RepoNotFound", "Repository not found");
    expect((await get(`/api/models/${PRIVATE}`, bearer(TEST_TOKENS.approved))).status).toBe(200);
  });

  test("gated repo: public metadata, content 401 anonymous and 403 unapproved, bytes when approved", async () => {
    expect((await json(await get(`/api/models/${GATED}`))).gated).toBe("manual");
    expect((await get(`/api/models/${GATED}/tree/main`)).status).toBe(200);
    await expectError(
      await get(`/${GATED}/resolve/main/config.json`),
      401,
      "GatedRepo",
      `Access to model ${GATED} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
    );
    await expectError(
      await get(`/${GATED}/resolve/main/config.json`, bearer(TEST_TOKENS.user)),
      403,
      "GatedRepo",
      `Access to model ${GATED} is restricted and you are not in the authorized list. Visit ${hub.url}/${GATED} to ask for access.`,
    );
    expect((await get(`/${GATED}/resolve/main/config.json`, bearer(TEST_TOKENS.approved))).status).toBe(307);
  });

  test("an unknown token is 401 'Invalid credentials', even on a public repo; the scheme is case-insensitive", async () => {
    await expectError(await get(`/api/models/${TINY}`, bearer(TEST_TOKENS.invalid)), 401, null, "Invalid credentials in Authorization header");
    for (const scheme of ["bearer", "BEARER", "Bearer"]) {
      expect((await get(`/${GATED}/resolve/main/config.json`, bearer(TEST_TOKENS.approved, scheme))).status).toBe(307);
    }
  });

  test("the request log records the route, auth and status", async () => {
    hub.resetLog();
    await get(`/api/models/${TINY}/tree/main`, bearer(TEST_TOKENS.user));
    await get(`/api/models/${TINY}`, bearer(TEST_TOKENS.invalid));
    const [tree, info] = hub.requests;
    expect(tree).toMatchObject({ listener: "hub", method: "GET", route: "api-tree", repo: TINY, revision: "main", status: 200, authorization: "valid" });
    expect(info).toMatchObject({ route: "api-revision", status: 401, authorization: "invalid" });
    expect(tree!.authorizationHash).not.toBe(info!.authorizationHash);
    expect(hub.totals.byRoute).toEqual({ "api-tree": 1, "api-revision": 1 });
  });
});

describe("upstream changes", () => {
  test("pushCommit moves the branch; the old commit stays resolvable; lastCommit follows", async () => {
    const before = hub.repo(TINY)!.head.sha;
    const sha = hub.pushCommit({ repo: TINY, files: { "config.json": '{"hidden_size":128}\n' }, delete: ["README.md"], message: "upstream change" });
    const info = await json<{ sha: string; siblings: Array<{ rfilename: string }> }>(await get(`/api/models/${TINY}`));
    expect(info.sha).toBe(sha);
    expect(info.siblings.map((sibling) => sibling.rfilename)).not.toContain("README.md");
    expect((await json(await get(`/api/models/${TINY}/revision/${before}`))).sha).toBe(before);
    const [config] = await json<Array<{ lastCommit: { id: string; title: string } }>>(
      await get(`/api/models/${TINY}/paths-info/main`, { method: "POST", body: "paths=config.json&expand=true", headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
    );
    expect(config!.lastCommit).toMatchObject({ id: sha, title: "upstream change" });
    const feature = hub.pushCommit({ repo: TINY, branch: "feature/x", files: { "x.txt": "x\n" } });
    expect((await json(await get(`/api/models/${TINY}/revision/feature%2Fx`))).sha).toBe(feature);
    expect((await json<TreeEntry[]>(await get(`/api/models/${TINY}/tree/feature/x`))).map((entry) => entry.path)).toContain("x.txt");
  });
});
