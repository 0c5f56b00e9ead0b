/** The tools a user would otherwise reach for, installed on demand from the registries we have. */
import { join } from "node:path";

const HFJS_RUNNER = join(import.meta.dir, "hfjs-snapshot.ts");

/** Installs the Debian package that provides `command` when it is missing; returns whether the command is usable. */
export function ensureCommand(command: string, aptPackage: string): boolean {
  if (Bun.which(command)) return true;
  console.error(`bench: ${command} is missing; apt-get install -y ${aptPackage}`);
  const sudo = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  let installed = Bun.spawnSync([...sudo, "apt-get", "install", "-y", aptPackage], { stdout: "inherit", stderr: "inherit" }).success;
  if (!installed) {
    Bun.spawnSync([...sudo, "apt-get", "update"], { stdout: "inherit", stderr: "inherit" });
    installed = Bun.spawnSync([...sudo, "apt-get", "install", "-y", aptPackage], { stdout: "inherit", stderr: "inherit" }).success;
  }
  return installed && Bun.which(command) !== null;
}

export function toolVersion(cmd: readonly string[]): string {
  const result = Bun.spawnSync([...cmd], { stdout: "pipe", stderr: "pipe" });
  return `${result.stdout.toString()}${result.stderr.toString()}`.trim().split("\n")[0] ?? "unknown";
}

export function hfjsVersion(): string {
  const pkg = require("@huggingface/hub/package.json") as { version: string };
  return pkg.version;
}

/** `curl` on one connection: the raw lower bound for one stream. Verifies nothing. */
export function curlCommand(url: string, output: string): string[] {
  return ["curl", "--silent", "--show-error", "--fail", "--location", "--output", output, url];
}

/**
 * curl with the file hashed as it arrives (`tee` into `openssl dgst -sha256`,
 * which uses the CPU's SHA extensions): what verifying one stream costs with
 * the raw tools. The digest is computed, not compared.
 */
export function curlSha256Command(url: string, output: string): string[] {
  const pipeline = 'curl --silent --show-error --fail --location "$1" | tee "$2" | openssl dgst -sha256 >/dev/null';
  return ["bash", "-o", "pipefail", "-c", pipeline, "curl-sha256", url, output];
}

/** One aria2c process for a list of URLs, as issue 5 prescribes (`-x16 -s16 -k1M`, `-j16`). Verifies nothing. */
export function aria2Command(inputFile: string, directory: string): string[] {
  return [
    "aria2c",
    "-x16",
    "-s16",
    "-k1M",
    "-j16",
    `--input-file=${inputFile}`,
    `--dir=${directory}`,
    "--console-log-level=error",
    "--summary-interval=0",
    "--download-result=hide",
    "--allow-overwrite=true",
    "--auto-file-renaming=false",
  ];
}

/** aria2c's input file: one URL per file, with its path below the output directory. */
export function aria2InputFile(hubUrl: string, repoId: string, paths: readonly string[]): string {
  return paths.map((path) => `${hubUrl}/${repoId}/resolve/main/${path.split("/").map(encodeURIComponent).join("/")}\n  out=${path}\n`).join("");
}

/** `@huggingface/hub`'s snapshotDownload, run with Bun: sequential, verifies nothing. */
export function hfjsCommand(hubUrl: string, repoId: string, cacheDir: string): string[] {
  return [process.execPath, HFJS_RUNNER, hubUrl, repoId, cacheDir];
}
