/** A clone of the repository must stand alone: its documents cite only files the clone has. */
import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/binary.ts";

const DOCUMENTS = [...new Bun.Glob("**/*.md").scanSync({ cwd: REPO_ROOT })].filter((path) => !/^(node_modules|dist|\.demo|\.git)\//.test(path));
/** Paths in backticks that name a place in this repository. */
const REPO_PATH = /`((?:src|tests|examples|config|\.github)\/[^`\s*{}<>…]*)`/g;

describe("documents stand alone in a clone", () => {
  test("there are documents to check", () => {
    expect(DOCUMENTS).toContain("README.md");
    expect(DOCUMENTS).toContain("tests/local-hub/README.md");
  });

  for (const document of DOCUMENTS) {
    test(`${document} cites no file outside the repository`, async () => {
      const text = await Bun.file(join(REPO_ROOT, document)).text();
      expect(text).not.toMatch(/\/work\/|\bshared\/[\w-]+\.md|\.\.\/shared\b/);
    });

    test(`${document}: every repository path it cites exists`, async () => {
      const text = await Bun.file(join(REPO_ROOT, document)).text();
      const missing = [...text.matchAll(REPO_PATH)].map((match) => match[1] as string).filter((path) => !existsSync(join(REPO_ROOT, path)));
      expect(missing).toEqual([]);
    });
  }

  test("the README's set-up commands are scripts of package.json, and bun install comes before bun run build", async () => {
    const readme = await Bun.file(join(REPO_ROOT, "README.md")).text();
    const scripts = Object.keys((await Bun.file(join(REPO_ROOT, "package.json")).json()).scripts);
    const setup = readme.slice(readme.indexOf("## Set-up"), readme.indexOf("## Usage"));
    for (const command of ["npx -y bun@1.4.4 run demo", "npx -y bun@1.4.4 run test", "bun run demo", "bun run test"]) expect(setup).toContain(command);
    for (const script of ["demo", "test", "build"]) expect(scripts).toContain(script);
    expect(setup.indexOf("bun install")).toBeGreaterThan(-1);
    expect(setup.indexOf("bun install")).toBeLessThan(setup.indexOf("bun run build"));
  });
});
