/**
 * Minimal root filesystems for running a release binary with nothing else around it:
 * the binary, the C library and loader it links against, a CA bundle and an empty /tmp.
 * No shell, no Node, no Bun. Processes enter the root with `unshare --root` (plain chroot
 * as root, inside a user namespace otherwise); they share the host's network, so a server
 * on 127.0.0.1 (the local hub emulator) is reachable with HF_ENDPOINT=http://127.0.0.1:PORT.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type RunResult, run as runCommand, tempDir } from "../helpers/binary.ts";
import { inspectBinary } from "./binfmt.ts";

export const BINARY_IN_ROOT = "/usr/local/bin/model-manager";
export const CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
/** Every run gets exactly this environment plus what the caller adds; nothing leaks from the host. */
export const BASE_ENV: Readonly<Record<string, string>> = { PATH: "/usr/local/bin", HOME: "/tmp" };

export type { RunResult };
export type RunOptions = {
  /** Added to BASE_ENV; a value of `undefined` removes a BASE_ENV variable. */
  env?: Record<string, string | undefined>;
  /** Working directory inside the root; default /work. */
  cwd?: string;
  timeoutMs?: number;
};
/** What to leave out of a root, to see how the binary copes. */
export type RootfsOptions = { caBundle?: boolean; tmp?: boolean; proc?: boolean };

export type Rootfs = {
  /** The root directory on the host. */
  readonly dir: string;
  /** Writes a file at an absolute path inside the root. */
  write(path: string, content: string): void;
  remove(path: string): void;
  /** Runs the binary inside the root. */
  run(args: string[], options?: RunOptions): Promise<RunResult>;
  /**
   * Runs `binary` on the host the way `run` runs the root's binary, in a copy of the root's
   * /work (cwd and HOME mapped into the copy, whose path is removed from the output), so the
   * two results can be compared.
   */
  runOnHost(binary: string, args: string[], options?: RunOptions): Promise<RunResult>;
};

const isRoot = process.getuid?.() === 0;
// Resolved here: runs get the root's PATH, not the host's.
const UNSHARE = Bun.which("unshare") ?? "unshare";

/** Why isolated runs are impossible here, or undefined when they work. */
export function isolationUnavailable(): string | undefined {
  if (process.platform !== "linux") return `root filesystems need Linux (this is ${process.platform})`;
  const probe = [...unsharePrefix("/"), "/bin/true"];
  try {
    const result = Bun.spawnSync(probe, { stderr: "pipe" });
    if (result.success) return undefined;
    return `\`${probe.join(" ")}\` failed: ${result.stderr.toString().trim()}`;
  } catch (err) {
    return `cannot run unshare (util-linux): ${(err as Error).message}`;
  }
}

/**
 * A private mount and PID namespace with a fresh /proc, as every container runtime gives:
 * the glibc build of Bun aborts at start-up when /proc is missing (tests/release/chroot.test.ts).
 */
function unsharePrefix(root: string, cwd = "/", proc = true): string[] {
  const namespaces = proc ? ["--mount", "--pid", "--fork", "--kill-child", "--mount-proc=/proc"] : [];
  return [UNSHARE, ...(isRoot ? [] : ["--map-root-user"]), ...namespaces, `--root=${root}`, `--wd=${cwd}`, "--"];
}

function envFor(options: RunOptions, map: (key: string, value: string) => string = (_k, v) => v) {
  const merged: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...BASE_ENV, ...options.env })) {
    if (value !== undefined) merged[key] = map(key, value);
  }
  return merged;
}

function copyInto(root: string, hostPath: string, rootPath = hostPath): void {
  mkdirSync(join(root, dirname(rootPath)), { recursive: true });
  copyFileSync(hostPath, join(root, rootPath)); // follows symlinks: the root gets the real file
}

function makeRoot(binary: string, options: RootfsOptions): string {
  const dir = tempDir("model-manager-rootfs");
  mkdirSync(join(dir, dirname(BINARY_IN_ROOT)), { recursive: true });
  try {
    linkSync(binary, join(dir, BINARY_IN_ROOT)); // 100 MiB: link when on the same filesystem
  } catch {
    copyFileSync(binary, join(dir, BINARY_IN_ROOT));
    chmodSync(join(dir, BINARY_IN_ROOT), 0o755);
  }
  mkdirSync(join(dir, "work"));
  if (options.proc !== false) mkdirSync(join(dir, "proc"));
  if (options.tmp !== false) {
    mkdirSync(join(dir, "tmp"));
    chmodSync(join(dir, "tmp"), 0o1777);
  }
  if (options.caBundle !== false) copyInto(dir, CA_BUNDLE);
  return dir;
}

function rootfs(dir: string, options: RootfsOptions): Rootfs {
  const inRoot = (path: string) => join(dir, path);
  return {
    dir,
    write(path, content) {
      mkdirSync(dirname(inRoot(path)), { recursive: true });
      writeFileSync(inRoot(path), content);
    },
    remove(path) {
      rmSync(inRoot(path), { recursive: true, force: true });
    },
    run(args, run = {}) {
      const prefix = unsharePrefix(dir, run.cwd ?? "/work", options.proc !== false);
      return runCommand([...prefix, BINARY_IN_ROOT, ...args], { cwd: "/", env: envFor(run), timeoutMs: run.timeoutMs });
    },
    async runOnHost(binary, args, run = {}) {
      // A copy of /work and an empty /tmp, so the host run leaves the root as it was.
      const twin = tempDir("model-manager-twin");
      cpSync(inRoot("/work"), join(twin, "work"), { recursive: true });
      mkdirSync(join(twin, "tmp"));
      const env = envFor(run, (key, value) => (key === "HOME" ? join(twin, value) : value));
      const result = await runCommand([binary, ...args], { cwd: join(twin, run.cwd ?? "/work"), env, timeoutMs: run.timeoutMs });
      return { ...result, stdout: result.stdout.replaceAll(twin, ""), stderr: result.stderr.replaceAll(twin, "") };
    },
  };
}

/** The host paths of the shared libraries and loader `ldd` resolves for a glibc binary. */
function lddLibraries(binary: string): string[] {
  const result = Bun.spawnSync(["ldd", binary], { stderr: "pipe" });
  if (!result.success) throw new Error(`ldd ${binary} failed: ${result.stderr.toString().trim()}`);
  const paths: string[] = [];
  for (const line of result.stdout.toString().split("\n")) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) paths.push(match[1]);
  }
  return paths;
}

/** A root for a glibc binary that runs on this host: the libraries `ldd` lists, at the same paths. */
export async function glibcRootfs(binary: string, options: RootfsOptions = {}): Promise<Rootfs> {
  const info = await inspectBinary(binary);
  if (info.format !== "elf" || !info.interp) throw new Error(`${binary} is not a dynamically linked ELF binary`);
  const dir = makeRoot(binary, options);
  const libraries = lddLibraries(binary);
  for (const lib of libraries) copyInto(dir, lib);
  const provided = new Set(libraries.map((lib) => basename(lib)));
  const missing = info.needed.filter((name) => !provided.has(name));
  if (missing.length > 0) throw new Error(`ldd did not resolve ${missing.join(", ")} for ${binary}`);
  return rootfs(dir, options);
}

/** Why a musl root cannot be built here, or undefined. */
export function muslUnavailable(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `the musl root is only set up for linux-x64 hosts (glibc-shim.c), this is ${process.platform}-${process.arch}`;
  }
  if (!existsSync("/lib/ld-musl-x86_64.so.1")) {
    return "no /lib/ld-musl-x86_64.so.1: install Debian's musl package (`apt-get install -y musl`)";
  }
  try {
    if (!Bun.spawnSync(["cc", "--version"]).success) return "`cc --version` failed";
  } catch {
    return "no C compiler (`cc`) to build tests/release/glibc-shim.c";
  }
  return undefined;
}

function hostLibrary(name: string): string {
  const path = Bun.spawnSync(["cc", `-print-file-name=${name}`]).stdout.toString().trim();
  if (!path.startsWith("/")) throw new Error(`cc cannot find ${name} on this host`);
  return path;
}

/**
 * A root laid out like an Alpine image with `apk add libstdc++`: musl's loader at
 * /lib/ld-musl-<arch>.so.1, /lib/libc.musl-<arch>.so.1 pointing at it, and libstdc++.so.6
 * plus libgcc_s.so.1 in /usr/lib. Those two are Debian's glibc builds here (see glibc-shim.c).
 */
export async function muslRootfs(binary: string, options: RootfsOptions = {}): Promise<Rootfs> {
  const reason = muslUnavailable();
  if (reason) throw new Error(reason);
  const info = await inspectBinary(binary);
  if (info.format !== "elf" || !info.interp?.includes("ld-musl")) throw new Error(`${binary} is not a musl ELF binary`);
  const dir = makeRoot(binary, options);
  const loader = info.interp; // /lib/ld-musl-x86_64.so.1
  const libcName = basename(loader).replace(/^ld-musl-/, "libc.musl-"); // Alpine's name for the same file
  copyInto(dir, loader);
  symlinkSync(basename(loader), join(dir, "lib", libcName));

  const libstdcxx = hostLibrary("libstdc++.so.6");
  copyInto(dir, libstdcxx, "/usr/lib/libstdc++.so.6");
  copyInto(dir, hostLibrary("libgcc_s.so.1"), "/usr/lib/libgcc_s.so.1");
  const libstdcxxInfo = await inspectBinary(libstdcxx);
  const glibcLoader = libstdcxxInfo.format === "elf" ? libstdcxxInfo.needed.find((n) => n.startsWith("ld-linux")) : undefined;
  if (glibcLoader) {
    const shim = Bun.spawnSync(
      ["cc", "-shared", "-fPIC", "-nostdlib", "-O2", `-Wl,-soname,${glibcLoader}`, "-o", join(dir, "lib", glibcLoader), join(import.meta.dir, "glibc-shim.c")],
      { stderr: "pipe" },
    );
    if (!shim.success) throw new Error(`building glibc-shim.c failed: ${shim.stderr.toString()}`);
  }

  const provided = new Set(["libstdc++.so.6", libcName]);
  const missing = info.needed.filter((name) => !provided.has(name));
  if (missing.length > 0) throw new Error(`the musl root does not provide ${missing.join(", ")}, which ${binary} needs`);
  return rootfs(dir, options);
}
