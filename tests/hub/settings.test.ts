import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHubSettings } from "../../src/hub/settings.ts";
import { findToken } from "../../src/hub/token.ts";

function tokenFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "mm-token-")), "token");
  writeFileSync(path, content);
  return path;
}

describe("token lookup", () => {
  test("HF_TOKEN first, then HUGGING_FACE_HUB_TOKEN, then HF_TOKEN_PATH, then $HF_HOME/token", () => {
    const home = mkdtempSync(join(tmpdir(), "mm-hfhome-"));
    writeFileSync(join(home, "token"), "hf_fromhome\n");
    const path = tokenFile("hf_frompath\r\n");
    expect(findToken({ HF_TOKEN: "hf_a", HUGGING_FACE_HUB_TOKEN: "hf_b", HF_TOKEN_PATH: path, HF_HOME: home })).toEqual({ value: "hf_a", source: "HF_TOKEN" });
    expect(findToken({ HUGGING_FACE_HUB_TOKEN: "hf_b", HF_TOKEN_PATH: path, HF_HOME: home })).toEqual({ value: "hf_b", source: "HUGGING_FACE_HUB_TOKEN" });
    expect(findToken({ HF_TOKEN_PATH: path, HF_HOME: home })).toEqual({ value: "hf_frompath", source: "HF_TOKEN_PATH", file: path });
    expect(findToken({ HF_HOME: home })).toEqual({ value: "hf_fromhome", source: "HF_HOME/token", file: join(home, "token") });
  });

  test("empty values count as no token; a missing HOME is not an error", () => {
    expect(findToken({ HF_TOKEN: "  ", HF_HOME: "/nonexistent" })).toBeUndefined();
    expect(findToken({ HF_TOKEN_PATH: tokenFile("\n") })).toBeUndefined();
    expect(findToken({ XDG_CACHE_HOME: "/nonexistent" })).toBeUndefined();
  });
});

describe("settings from the environment", () => {
  test("defaults", () => {
    const settings = readHubSettings({ HF_HOME: "/nonexistent" });
    expect(settings.endpoint).toBe("https://huggingface.co");
    expect(settings.offline).toBe(false);
    expect(settings.stallTimeoutMs).toBe(30_000);
    expect(settings.token).toBeUndefined();
  });

  test("HF_ENDPOINT loses its trailing slash; offline and timeout are parsed", () => {
    const settings = readHubSettings({ HF_ENDPOINT: "https://mirror.example/hf/", HF_HUB_OFFLINE: "YES", HF_HUB_DOWNLOAD_TIMEOUT: "2.5", HF_HOME: "/nonexistent" });
    expect(settings.endpoint).toBe("https://mirror.example/hf");
    expect(settings.offline).toBe(true);
    expect(settings.stallTimeoutMs).toBe(2500);
  });

  test("bad values name the variable", () => {
    expect(() => readHubSettings({ HF_ENDPOINT: "not a url" })).toThrow("HF_ENDPOINT is not a valid URL");
    expect(() => readHubSettings({ HF_ENDPOINT: "https://user:pw@hub.example" })).toThrow("must not contain credentials");
    expect(() => readHubSettings({ HF_HUB_DOWNLOAD_TIMEOUT: "soon" })).toThrow("HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds");
  });
});
