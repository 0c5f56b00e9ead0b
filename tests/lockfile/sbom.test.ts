import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { tempDir } from "../helpers/binary.ts";
import { project, runAgainst, spawnAgainst, startHub } from "../helpers/hub-scenario.ts";
import { finished } from "../helpers/run-cli.ts";
import { generated, json, type LocalHub } from "../local-hub/index.ts";

const SCHEMAS = join(import.meta.dir, "..", "..", "node_modules", "@cyclonedx", "cyclonedx-library", "res", "schema");

/** The official CycloneDX 1.6 JSON schema (with the SPDX and JSF schemas it references), as the CycloneDX library ships it. */
function cycloneDxValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // bom-1.6 refers to them by their shipped file names, relative to its own $id.
  for (const name of ["spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json"]) {
    const { $id: _published, ...schema } = JSON.parse(readFileSync(join(SCHEMAS, name), "utf8"));
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${name}`);
  }
  return ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, "bom-1.6.SNAPSHOT.schema.json"), "utf8")));
}

let hub: LocalHub;

beforeAll(async () => {
  hub = await startHub({
    repos: [
      { id: "acme/encoder", files: { "config.json": json({ model_type: "bert" }), "model.safetensors": generated(1_100_000, "sbom-1") } },
      { id: "solo", files: { "weights.bin": generated(1_050_000, "sbom-2"), "README.md": "# solo\n" } },
      { id: "acme/corpus", type: "dataset", files: { "train.jsonl": '{"text":"a"}\n' } },
    ],
  });
});

afterAll(() => hub.stop());

const CONFIG =
  "cache_dir: cache\nmodels:\n  - id: encoder\n    repo_id: acme/encoder\n  - id: solo\n    repo_id: solo\n  - id: corpus\n    repo_id: acme/corpus\n    repo_type: dataset\n";

describe("model-manager sbom", () => {
  test("prints a CycloneDX 1.6 document of the lock that the official schema accepts, with purls, sizes and SHA-256 hashes", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    hub.resetLog();
    const run = await runAgainst(hub, ["sbom"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(hub.requests).toHaveLength(0);
    const document = JSON.parse(run.stdout);
    const validate = cycloneDxValidator();
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    // The validator is not a rubber stamp: a component without its type is refused.
    expect(validate({ ...document, components: [{ name: "x" }] })).toBe(false);

    expect(document.specVersion).toBe("1.6");
    const lock = JSON.parse(readFileSync(join(cwd, "models.lock.json"), "utf8"));
    const encoderCommit = hub.repo("acme/encoder")?.resolveRevision("main")?.sha;
    const [corpus, encoder, solo] = document.components;
    // A dataset is a data component with a link to its page, not a model purl.
    expect(corpus).toMatchObject({ type: "data", name: "corpus", group: "acme" });
    expect(corpus.purl).toBeUndefined();
    expect(corpus.externalReferences[0].url).toBe(`https://huggingface.co/datasets/acme/corpus/tree/${lock.models[0].commit}`);
    expect(encoder).toMatchObject({ type: "machine-learning-model", group: "acme", name: "encoder", version: encoderCommit, purl: `pkg:huggingface/acme/encoder@${encoderCommit}` });
    expect(solo.purl).toBe(`pkg:huggingface/solo@${lock.models[2].commit}`);
    const weights = encoder.components.find((file: { name: string }) => file.name === "model.safetensors");
    expect(weights.hashes).toEqual([{ alg: "SHA-256", content: hub.file("acme/encoder", "model.safetensors")?.sha256 }]);
    expect(weights.properties).toContainEqual({ name: "model-manager:size", value: "1100000" });
    expect(weights.properties).toContainEqual({ name: "model-manager:path", value: "model.safetensors" });

    // The same lock gives the same document, byte for byte; --output writes it to a file.
    const file = join(cwd, "models.cdx.json");
    const written = await runAgainst(hub, ["sbom", "--output", "models.cdx.json", "-q"], { cwd });
    expect(written.code).toBe(0);
    expect(written.stdout).toBe(`${file}\n`);
    expect(readFileSync(file, "utf8")).toBe(run.stdout);
  });

  test("sbom --locked refuses a lock the configuration has moved away from (exit 2), so a release SBOM describes what is configured", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    expect((await runAgainst(hub, ["sbom", "--locked", "-q"], { cwd })).code).toBe(0);
    writeFileSync(join(cwd, "models.yaml"), CONFIG.replace("repo_id: solo\n", "repo_id: solo\n    revision: v2\n"));
    const run = await runAgainst(hub, ["sbom", "--locked"], { cwd });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("solo: revision main → v2");
    // Without --locked the document is the lock's, and the run says the lock is behind the configuration.
    const stale = await runAgainst(hub, ["sbom"], { cwd });
    expect(stale.code).toBe(0);
    expect(JSON.parse(stale.stdout).components).toHaveLength(3);
    expect(stale.stderr).toContain(`the lock ${join(cwd, "models.lock.json")} does not match the configuration (solo: revision main → v2)`);
  });

  test("without a lock it fails with exit 2 and says how to make one", async () => {
    const run = await runAgainst(hub, ["sbom"], { cwd: project(CONFIG) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('there is no lock');
    expect(run.stderr).toContain('model-manager lock');
  });
  test("--output into a folder that does not exist, or onto a folder: the file and the reason, exit 1, nothing left behind", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const missing = await runAgainst(hub, ["sbom", "--output", "out/models.cdx.json"], { cwd });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`error: cannot write the SBOM to ${join(cwd, "out", "models.cdx.json")}: the folder ${join(cwd, "out")} does not exist\n`);
    mkdirSync(join(cwd, "folder"));
    const folder = await runAgainst(hub, ["sbom", "--output", "folder"], { cwd });
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe(`error: cannot write the SBOM to ${join(cwd, "folder")}: a folder stands there\n`);
    expect(readdirSync(cwd).sort()).toEqual(["folder", "models.lock.json", "models.yaml"]);
  });

  test.skipIf(process.getuid?.() !== 0)("a lock that cannot be written names the lock file (a read-only configuration folder; needs root to mount)", async () => {
    const cwd = project(CONFIG);
    const mounted = Bun.spawnSync(["mount", "--bind", cwd, cwd]).success && Bun.spawnSync(["mount", "-o", "remount,ro,bind", cwd]).success;
    try {
      if (!mounted) return void console.warn("skipped: cannot bind-mount here");
      const run = await runAgainst(hub, ["lock", "--cache-dir", join(tempDir("mm-lock-cache"), "cache")], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error: cannot write the lock to ${join(cwd, "models.lock.json")}: read-only filesystem\n`);
      expect(run.stderr).not.toContain("unexpected failure");
    } finally {
      Bun.spawnSync(["umount", cwd]);
    }
  });
  test("--output onto the lock or the configuration is refused (exit 2) and both stay as they were", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const lock = readFileSync(join(cwd, "models.lock.json"), "utf8");
    for (const [output, what] of [["models.lock.json", "the lock the SBOM is made from"], ["./models.yaml", "the configuration"]] as const) {
      const run = await runAgainst(hub, ["sbom", "--output", output], { cwd });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(`error: --output ${output} is ${what}; name another file (models.cdx.json)\n`);
    }
    expect(readFileSync(join(cwd, "models.lock.json"), "utf8")).toBe(lock);
    expect(readFileSync(join(cwd, "models.yaml"), "utf8")).toBe(CONFIG);
  });
  test("--output /dev/stdout (stdout a socket, as under Node-based CI runners): the document alone on stdout, nothing created", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const printed = await runAgainst(hub, ["sbom"], { cwd });
    const run = await runAgainst(hub, ["sbom", "--output", "/dev/stdout"], { cwd });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(printed.stdout);
    expect(readdirSync(cwd).sort()).toEqual(["models.lock.json", "models.yaml"]);
  });

  test.skipIf(process.platform !== "linux")("--output into a named pipe writes the document into it, with no temporary file beside it", async () => {
    const cwd = project(CONFIG);
    expect((await runAgainst(hub, ["lock", "-q"], { cwd })).code).toBe(0);
    const printed = await runAgainst(hub, ["sbom"], { cwd });
    expect(Bun.spawnSync(["mkfifo", join(cwd, "sbom.fifo")]).success).toBe(true);
    const proc = await spawnAgainst(hub, ["sbom", "--output", "sbom.fifo", "-q"], { cwd });
    const [received, run] = await Promise.all([Bun.file(join(cwd, "sbom.fifo")).text(), finished(proc)]);
    expect(run.code).toBe(0);
    expect(received).toBe(printed.stdout);
    expect(run.stdout).toBe("");
    expect(readdirSync(cwd).sort()).toEqual(["models.lock.json", "models.yaml", "sbom.fifo"]);
  });
});
