/** The examples and the release workflow cannot run here (no Docker engine, no GitHub): check what can be. */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";
import { artifactName, RELEASE_TARGETS, type ReleaseTarget } from "../../build.ts";
import { loadModelsConfig } from "../../src/config/index.ts";
import { REPO_ROOT } from "../helpers/binary.ts";

const EXAMPLES = join(REPO_ROOT, "examples");
const ARTIFACTS = new Set(Object.keys(RELEASE_TARGETS).map((t) => artifactName(t as ReleaseTarget)));
const read = (path: string) => Bun.file(path).text();
const artifactsIn = (text: string) => [...new Set(text.match(/model-manager-(?:linux|darwin|windows)-[a-z0-9-]+(?:\.exe)?/g))];

describe("examples", () => {
  const dockerfiles = { debian: "glibc", distroless: "glibc", alpine: "musl" } as const;

  for (const [name, libc] of Object.entries(dockerfiles)) {
    test(`Dockerfile.${name} fetches ${libc} release artifacts that build.ts produces, and checks SHA256SUMS`, async () => {
      const text = await read(join(EXAMPLES, `Dockerfile.${name}`));
      expect(text.split("\n")[0]).toBe("# syntax=docker/dockerfile:1");
      const names = artifactsIn(text);
      expect(names.sort()).toEqual(
        libc === "musl"
          ? ["model-manager-linux-arm64-musl", "model-manager-linux-x64-musl"]
          : ["model-manager-linux-arm64", "model-manager-linux-x64"],
      );
      for (const artifact of names) expect(ARTIFACTS.has(artifact)).toBe(true);
      expect(text).toContain('sh /usr/local/bin/fetch-release.sh "$artifact" /model-manager');
      expect(await read(join(EXAMPLES, "fetch-release.sh"))).toContain("sha256sum -c -");
      expect(text).toContain("COPY models.yaml config/model_manager/models.yaml");
    });

  }

  for (const name of [...Object.keys(dockerfiles), "local"]) {
    test(`Dockerfile.${name} passes HF_TOKEN only as a BuildKit secret`, async () => {
      const text = await read(join(EXAMPLES, `Dockerfile.${name}`));
      expect(text).toContain("RUN --mount=type=secret,id=hf_token,env=HF_TOKEN");
      for (const line of text.split("\n").filter((l) => l.includes("HF_TOKEN"))) {
        expect(line).not.toMatch(/^\s*(ARG|ENV)\b/);
        expect(line).not.toMatch(/--build-arg|\$HF_TOKEN|\$\{HF_TOKEN/);
      }
    });
  }

  test("models.yaml is a valid config", () => {
    const config = loadModelsConfig(join(EXAMPLES, "models.yaml"));
    expect(config.models.length).toBeGreaterThan(0);
  });

  test("the GitHub Actions example installs a real artifact and keys the cache on --cache-key", async () => {
    const text = await read(join(EXAMPLES, "github-actions.yml"));
    const workflow = parse(text);
    const steps: { uses?: string; run?: string; with?: Record<string, string> }[] = workflow.jobs.test.steps;
    for (const artifact of artifactsIn(text)) expect(ARTIFACTS.has(artifact)).toBe(true);
    expect(workflow.jobs.test.env.CI_MINIMAL_MODELS).toBe("true");
    const key = steps.find((s) => s.run?.includes("model-manager --cache-key"));
    expect(key).toBeDefined();
    const cache = steps.find((s) => s.uses?.startsWith("actions/cache@"));
    expect(cache?.with?.key).toContain("steps.models.outputs.key");
    expect(steps.findIndex((s) => s.run?.trim() === "model-manager")).toBeGreaterThan(steps.indexOf(cache ?? {}));
  });
});

describe("release workflow", () => {
  test("on v* tags: tests, then build.ts --targets all, then uploads the binaries and SHA256SUMS", async () => {
    const workflow = parse(await read(join(REPO_ROOT, ".github/workflows/release.yml")));
    expect(workflow.on.push.tags).toEqual(["v*"]);
    const steps: { uses?: string; run?: string; with?: Record<string, string> }[] = workflow.jobs.release.steps;
    const index = (predicate: (s: (typeof steps)[number]) => boolean) => steps.findIndex(predicate);
    const tests = index((s) => s.run?.trim() === "bun run test");
    const build = index((s) => s.run?.trim() === "bun run build.ts --targets all");
    const upload = index((s) => s.uses?.startsWith("softprops/action-gh-release@") ?? false);
    expect(tests).toBeGreaterThan(-1);
    expect(build).toBeGreaterThan(tests);
    expect(upload).toBeGreaterThan(build);
    expect(steps[upload]?.with?.files).toContain("dist/release/model-manager-*");
    expect(steps[upload]?.with?.files).toContain("dist/release/SHA256SUMS");
    expect(steps.find((s) => s.uses?.startsWith("oven-sh/setup-bun@"))?.with?.["bun-version"]).toBe("1.4.4");
  });
});
