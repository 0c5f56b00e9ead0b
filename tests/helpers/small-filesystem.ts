import { mkdirSync } from "node:fs";

/** Mounts a tmpfs of `sizeMiB` at `at` (root on Linux only): undefined when mounted, else why not (the tests skip). */
export function mountSmallFilesystem(at: string, sizeMiB: number): string | undefined {
  mkdirSync(at, { recursive: true });
  const result = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", at], { stderr: "pipe" });
  return result.success ? undefined : `cannot mount a tmpfs (${result.stderr.toString().trim() || "not root?"})`;
}
