#!/usr/bin/env bun
/**
 * Compiles model-manager into a standalone executable.
 *
 *   bun run build.ts                               host binary: dist/model-manager
 *   bun run build.ts --targets all                 every release binary + dist/release/SHA256SUMS
 *   bun run build.ts --targets linux-x64,darwin-arm64
 *   bun run build.ts --outdir /tmp/out             write under another directory instead of dist/
 *
 * Cross-compiling downloads the Bun runtime for each target from the npm registry once
 * (cached in ~/.bun/install/cache).
 */
import { existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import pkg from "./package.json" with { type: "json" };

const ROOT = import.meta.dir;
const ENTRYPOINT = "src/cli.ts";
/** Worker scripts the CLI starts with `new Worker(...)`: each must be a separate entrypoint. */
const WORKER_ENTRYPOINTS = ["src/verify/hash-worker.ts"];

export const RELEASE_TARGETS = {
  "linux-x64": "bun-linux-x64",
  "linux-arm64": "bun-linux-arm64",
  "linux-x64-musl": "bun-linux-x64-musl",
  "linux-arm64-musl": "bun-linux-arm64-musl",
  "darwin-x64": "bun-darwin-x64",
  "darwin-arm64": "bun-darwin-arm64",
  "windows-x64": "bun-windows-x64",
} as const satisfies Record<string, Bun.Build.CompileTarget>;
export type ReleaseTarget = keyof typeof RELEASE_TARGETS;

export function artifactName(target: ReleaseTarget): string {
  return `model-manager-${target}${target.startsWith("windows") ? ".exe" : ""}`;
}

export class BuildError extends Error {}

function git(cwd: string, ...args: string[]): string | undefined {
  try {
    const r = Bun.spawnSync(["git", ...args], { cwd, stderr: "ignore" });
    return r.success ? r.stdout.toString().trim() : undefined;
  } catch {
    return undefined; // git is not installed
  }
}

/** The short commit of `root`, `-dirty` when tracked files have uncommitted changes (untracked files do not count). */
export function buildCommit(root: string = ROOT): string {
  const commit = git(root, "rev-parse", "--short", "HEAD");
  if (!commit) return "unknown";
  return git(root, "status", "--porcelain", "--untracked-files=no") ? `${commit}-dirty` : commit;
}

function defaultEntrypoints(): string[] {
  const workers = WORKER_ENTRYPOINTS.filter((w) => {
    if (existsSync(join(ROOT, w))) return true;
    console.warn(`note: worker entrypoint ${w} does not exist yet; building without it`);
    return false;
  });
  return [ENTRYPOINT, ...workers].map((e) => join(ROOT, e));
}

export type CompileOptions = {
  outfile: string;
  /** Omit for the host platform. */
  target?: Bun.Build.CompileTarget;
  commit: string;
  /** Absolute paths; the tests compile probes with exactly the release settings. */
  entrypoints: string[];
};

/** Compiles one executable with the release settings. Throws BuildError on failure. */
export async function compile({ outfile, target, commit, entrypoints }: CompileOptions): Promise<void> {
  let result: Bun.BuildOutput;
  try {
    result = await Bun.build({
      entrypoints,
      target: "bun",
      // bytecode defaults to CJS, which rejects top-level await (oven-sh/bun#40968).
      format: "esm",
      bytecode: true,
      minify: true,
      sourcemap: "linked",
      define: {
        BUILD_VERSION: JSON.stringify(pkg.version),
        BUILD_COMMIT: JSON.stringify(commit),
        "process.env.NODE_ENV": JSON.stringify("production"),
      },
      compile: {
        ...(target ? { target } : {}),
        outfile,
        // By default a compiled binary reads .env and runs bunfig.toml preloads from the cwd.
        autoloadDotenv: false,
        autoloadBunfig: false,
        autoloadTsconfig: false,
        autoloadPackageJson: false,
      },
    });
  } catch (err) {
    const logs = err instanceof AggregateError ? err.errors.map(String).join("\n  ") : String(err);
    throw new BuildError(`compiling ${target ?? "host"} failed:\n  ${logs}`);
  }
  if (!result.success) {
    throw new BuildError(`compiling ${target ?? "host"} failed:\n  ${result.logs.map(String).join("\n  ")}`);
  }
  // The source maps are embedded in the binary; the loose copies would only collide between targets.
  for (const output of result.outputs) if (output.kind === "sourcemap") rmSync(output.path, { force: true });
}

async function sha256File(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

function report(path: string): void {
  console.log(`${shown(path)}  ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB`);
}

function parseTargets(spec: string): ReleaseTarget[] {
  if (spec === "all") return Object.keys(RELEASE_TARGETS) as ReleaseTarget[];
  const names = spec.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(n in RELEASE_TARGETS));
  if (unknown.length > 0 || names.length === 0) {
    throw new BuildError(
      `unknown target(s) ${JSON.stringify(unknown.join(","))}; use "all" or a comma-separated list of: ${Object.keys(RELEASE_TARGETS).join(", ")}`,
    );
  }
  return [...new Set(names)] as ReleaseTarget[];
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { targets: { type: "string" }, outdir: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log("usage: bun run build.ts [--targets all|linux-x64,...] [--outdir DIR]");
    console.log(`targets: ${Object.keys(RELEASE_TARGETS).join(", ")}`);
    return;
  }
  const outdir = resolve(values.outdir ?? join(ROOT, "dist"));
  const targets = values.targets === undefined ? undefined : parseTargets(values.targets);
  const commit = buildCommit();
  const entrypoints = defaultEntrypoints();
  console.log(`model-manager ${pkg.version} (${commit})`);

  if (!targets) {
    const outfile = join(outdir, "model-manager");
    await compile({ outfile, commit, entrypoints });
    report(outfile);
    return;
  }

  const releaseDir = join(outdir, "release");
  // Start empty so the directory (and SHA256SUMS) holds exactly this run's artifacts.
  rmSync(releaseDir, { recursive: true, force: true });
  mkdirSync(releaseDir, { recursive: true });
  const sums: string[] = [];
  for (const target of targets) {
    const outfile = join(releaseDir, artifactName(target));
    await compile({ outfile, target: RELEASE_TARGETS[target], commit, entrypoints });
    report(outfile);
    sums.push(`${await sha256File(outfile)}  ${basename(outfile)}\n`);
  }
  const sumsPath = join(releaseDir, "SHA256SUMS");
  await Bun.write(sumsPath, sums.join(""));
  console.log(`${shown(sumsPath)}  (${sums.length} files)`);
}

if (import.meta.main) {
  try {
    await main(process.argv.slice(2));
  } catch (err) {
    const message = err instanceof BuildError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
      ? (err as Error).message
      : String((err as Error)?.stack ?? err);
    console.error(`build.ts: error: ${message}`);
    process.exit(1);
  }
}
