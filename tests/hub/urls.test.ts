import { describe, expect, test } from "bun:test";
import { nextPageUrl } from "../../src/hub/api.ts";
import { normalizeEtag } from "../../src/hub/file-source.ts";
import { describeUrl, resolveUrl, revisionUrl, treeUrl } from "../../src/hub/urls.ts";

const EP = "https://hub.example";

describe("Hub URLs", () => {
  test("revisions are fully percent-encoded, slashes included", () => {
    expect(revisionUrl(EP, "model", "org/name", "refs/pr/1")).toBe("https://hub.example/api/models/org/name/revision/refs%2Fpr%2F1");
    expect(treeUrl(EP, "dataset", "org/data", "v1.0")).toBe("https://hub.example/api/datasets/org/data/tree/v1.0?recursive=true&expand=false");
  });

  test("file paths keep their slashes and encode everything Python's quote() encodes", () => {
    expect(resolveUrl(EP, "model", "org/m", "abc", "sub dir/a#b?(1).json")).toBe("https://hub.example/org/m/resolve/abc/sub%20dir/a%23b%3F%281%29.json");
    expect(resolveUrl(EP, "space", "org/s", "main", "app.py")).toBe("https://hub.example/spaces/org/s/resolve/main/app.py");
    expect(resolveUrl(EP, "model", "org/m", "main", "ü.txt")).toBe("https://hub.example/org/m/resolve/main/%C3%BC.txt");
  });

  test("signed query strings never appear in log text", () => {
    expect(describeUrl("https://cdn.example/blob?X-Amz-Signature=secret&Expires=1")).toBe("https://cdn.example/blob?…");
  });
});

describe("pagination and etags", () => {
  test("Link rel=next is found among other links and resolved against the page", () => {
    const link = '<https://hub.example/api/models/a/b/tree/c?cursor=x>; rel="next", <https://hub.example/first>; rel="first"';
    expect(nextPageUrl(link, "https://hub.example/api/models/a/b/tree/c")).toBe("https://hub.example/api/models/a/b/tree/c?cursor=x");
    expect(nextPageUrl('</p2>; rel="next"', "https://hub.example/api/x")).toBe("https://hub.example/p2");
    expect(nextPageUrl(null, EP)).toBeUndefined();
    expect(nextPageUrl('<https://hub.example/x>; rel="prev"', EP)).toBeUndefined();
  });

  test("etags lose weak prefixes and quotes", () => {
    expect(normalizeEtag('W/"ABC123"')).toBe("abc123");
    expect(normalizeEtag('"abc"')).toBe("abc");
    expect(normalizeEtag(null)).toBeUndefined();
  });
});
