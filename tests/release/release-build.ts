/** `bun run build.ts --targets all`, run once per test process and shared by the release tests. */
import { join } from "node:path";
import { runBuild, tempDir } from "../helpers/binary.ts";

export type ReleaseBuild = { dir: string; output: string; commit: string; seconds: number };
let built: Promise<ReleaseBuild> | undefined;

/** The release directory (`<outdir>/release`), build.ts's output, the commit it embedded and how long it took. */
export function releaseBuild(): Promise<ReleaseBuild> {
  built ??= (async () => {
    const outdir = tempDir("model-manager-release");
    const started = performance.now();
    const output = await runBuild(["--targets", "all", "--outdir", outdir]);
    const seconds = (performance.now() - started) / 1000;
    const commit = /^model-manager \S+ \((\S+)\)$/m.exec(output)?.[1];
    if (!commit) throw new Error(`build.ts printed no version line:\n${output}`);
    return { dir: join(outdir, "release"), output, commit, seconds };
  })();
  return built;
}

/** Generous: the first cross-compile downloads six Bun runtimes (about 35 MB each) from the npm registry. */
export const RELEASE_BUILD_TIMEOUT_MS = 300_000;
