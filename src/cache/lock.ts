/**
 * Cross-process lock on a path, safe on local disks and NFS (no flock):
 * the lock is a file created with O_EXCL holding its owner as JSON. The holder
 * refreshes its mtime (heartbeat); waiters poll and break a lock that is stale:
 *   - same machine: the owner's PID is gone (or now belongs to a process started
 *     later). A live holder is never taken over, however old its mtime looks:
 *     a clock step (NTP, a resumed VM) must not end a download;
 *   - no owner in the file (empty, torn, unreadable): the waiter has watched it
 *     stay so for a second, far longer than a creator takes to write it;
 *   - another machine (clocks may disagree): the waiter itself has watched the
 *     mtime not change for `staleMs`, or the mtime is older than `staleMs` and
 *     has not changed for two of the owner's heartbeats. A live holder whose
 *     clock runs behind still changes its mtime, so it is never taken for dead.
 *
 * Breaking is serialised by a short-lived guard file (`<path>.break`, also
 * O_EXCL): under it the breaker re-reads the lock and removes it only if it is
 * still the very file it judged stale (same token and inode), so two waiters
 * can never both take over, and a fresh lock is never removed.
 */

import {
  closeSync,
  fstatSync,
  futimesSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { ModelManagerError } from "../errors.ts";
import { sleep } from "../sleep.ts";

/** What a lock file contains. */
export type LockOwner = {
  readonly pid: number;
  readonly hostname: string;
  readonly createdAt: string;
  readonly token: string;
  /** Free text for people waiting, e.g. "downloading model llama-3". */
  readonly purpose?: string;
  /** Linux PID namespace, so two containers sharing a hostname don't judge each other's PIDs. */
  readonly pidNamespace?: string;
  /** How often the owner refreshes the mtime, so waiters elsewhere know how long to watch. */
  readonly heartbeatMs?: number;
  /** When the owner process started (Linux clock ticks since boot), so a reused PID is not taken for it. */
  readonly processStart?: string;
};

export type LockOptions = {
  purpose?: string;
  /** A lock held on another host (or PID namespace) not refreshed for this long is stale (see the rules above). Default 60 s. */
  staleMs?: number;
  /** How often the holder refreshes the mtime. Default staleMs / 6 (10 s). */
  heartbeatMs?: number;
  /** Give up with LockTimeoutError after waiting this long. Default: wait forever (stale locks are still broken). */
  timeoutMs?: number;
  /** First poll delay; it grows by 1.5× (with ±25 % jitter) up to maxPollMs. Defaults 25 ms and 1 s. */
  pollMs?: number;
  maxPollMs?: number;
  signal?: AbortSignal;
  /** Called when waiting starts and whenever the holder changes; `undefined` when the lock file is unreadable (being written). */
  onWait?: (owner: LockOwner | undefined) => void;
  /** Called after this process removed a stale lock. */
  onBreak?: (owner: LockOwner | undefined, reason: string) => void;
};

export interface Lock extends Disposable, AsyncDisposable {
  readonly path: string;
  readonly owner: LockOwner;
  /** Aborted when the heartbeat finds the lock file is no longer ours (another process broke it as stale). */
  readonly lost: AbortSignal;
  /** Removes the lock file if it is still ours. Idempotent and synchronous (usable from exit handlers). */
  release(): void;
}

const DEFAULT_LOCK_STALE_MS = 60_000;
const GUARD_STALE_MS = 5_000;

export class LockTimeoutError extends ModelManagerError {
  override readonly code = "LOCK_TIMEOUT";

  constructor(
    readonly path: string,
    readonly owner: LockOwner | undefined,
    timeoutMs: number,
  ) {
    super(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${describeLockOwner(owner)} to release ${path}`);
  }
}

/** "process 1234 on build-7 (downloading model x)" for waiting messages. */
export function describeLockOwner(owner: LockOwner | undefined): string {
  if (!owner) return "another process";
  const purpose = owner.purpose ? ` (${owner.purpose})` : "";
  // A library caller running two calls on one model at once: its own PID would read as a stranger.
  if (owner.pid === process.pid && onThisMachine(owner)) return `another call in this process${purpose}`;
  return `process ${owner.pid} on ${owner.hostname}${purpose}`;
}

type Settings = Required<Pick<LockOptions, "staleMs" | "heartbeatMs" | "timeoutMs" | "pollMs" | "maxPollMs">> & LockOptions;

function withDefaults(options: LockOptions): Settings {
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  return {
    ...options,
    staleMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(10, Math.floor(staleMs / 6)),
    timeoutMs: options.timeoutMs ?? Number.POSITIVE_INFINITY,
    pollMs: options.pollMs ?? 25,
    maxPollMs: options.maxPollMs ?? 1_000,
  };
}

export async function acquireLock(path: string, options: LockOptions = {}): Promise<Lock> {
  const settings = withDefaults(options);
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + settings.timeoutMs;
  let delay = settings.pollMs;
  let reportedToken: string | null = null;
  const watches = { lock: new Watch(), guard: new Watch() };
  for (;;) {
    settings.signal?.throwIfAborted();
    const lock = tryCreate(path, settings);
    if (lock) return lock;
    const observed = inspect(path);
    if (!observed) continue;
    const reason = staleReason(observed, settings.staleMs, watches.lock.unchangedFor(observed));
    if (reason) {
      const outcome = breakStale(path, observed, reason, settings, watches.guard);
      if (outcome !== "busy") continue;
    } else if ((observed.owner?.token ?? "") !== reportedToken) {
      reportedToken = observed.owner?.token ?? "";
      settings.onWait?.(observed.owner);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new LockTimeoutError(path, observed.owner, settings.timeoutMs);
    await sleep(Math.min(remaining, jitter(delay)), settings.signal);
    delay = Math.min(delay * 1.5, settings.maxPollMs);
  }
}

// ---------------------------------------------------------------- holding

const heldLocks = new Set<HeldLock>();
let exitHandlerInstalled = false;

class HeldLock implements Lock {
  private released = false;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly lostController = new AbortController();

  constructor(
    readonly path: string,
    readonly owner: LockOwner,
    private readonly fd: number,
    private readonly identity: FileIdentity,
    heartbeatMs: number,
  ) {
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
    heldLocks.add(this);
    if (!exitHandlerInstalled) {
      exitHandlerInstalled = true;
      // A process that exits without releasing would otherwise make cross-host waiters sit out the stale bound.
      process.on("exit", () => {
        for (const lock of heldLocks) {
          try {
            lock.release();
          } catch {
            // Exiting anyway; a leftover file is recovered by the PID check.
          }
        }
      });
    }
  }

  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.heartbeat);
    heldLocks.delete(this);
    try {
      if (this.isStillOurs()) unlinkSync(this.path);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    } finally {
      closeSync(this.fd);
    }
  }

  [Symbol.dispose](): void {
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  private beat(): void {
    try {
      if (!this.isStillOurs()) {
        this.lostController.abort(new Error(`lock ${this.path} was taken over by another process`));
        clearInterval(this.heartbeat);
        return;
      }
      const now = new Date();
      // Through our own fd: if the file was just replaced, we touch only our orphaned inode.
      futimesSync(this.fd, now, now);
    } catch {
      // A transient I/O error; the next beat tries again, and the stale bound leaves room for several misses.
    }
  }

  private isStillOurs(): boolean {
    const stats = statSync(this.path, { throwIfNoEntry: false });
    return stats !== undefined && stats.ino === this.identity.ino && stats.dev === this.identity.dev;
  }
}

function tryCreate(path: string, settings: Settings): HeldLock | undefined {
  const created = createExclusive(path, settings.purpose, settings.heartbeatMs);
  if (!created) return undefined;
  return new HeldLock(path, created.owner, created.fd, created.identity, settings.heartbeatMs);
}

function createExclusive(path: string, purpose: string | undefined, heartbeatMs?: number): { fd: number; owner: LockOwner; identity: FileIdentity } | undefined {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    if (errorCode(error) === "EEXIST") return undefined;
    throw error;
  }
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    createdAt: new Date().toISOString(),
    token: crypto.randomUUID(),
    ...(purpose !== undefined && { purpose }),
    ...(pidNamespace() !== undefined && { pidNamespace: pidNamespace() }),
    ...(heartbeatMs !== undefined && { heartbeatMs }),
    ...(processStart(process.pid) !== undefined && { processStart: processStart(process.pid) }),
  };
  try {
    const bytes = new TextEncoder().encode(`${JSON.stringify(owner)}\n`);
    for (let offset = 0; offset < bytes.byteLength; ) offset += writeSync(fd, bytes, offset);
    const stats = fstatSync(fd);
    return { fd, owner, identity: { ino: stats.ino, dev: stats.dev } };
  } catch (error) {
    closeSync(fd);
    unlinkSync(path);
    throw error;
  }
}

// ---------------------------------------------------------------- inspecting and breaking

type FileIdentity = { readonly ino: number; readonly dev: number };
type Observed = FileIdentity & { readonly owner: LockOwner | undefined; readonly mtimeMs: number; readonly size: number };

/** Owner and identity read through one fd, so they describe the same file; undefined if it vanished. */
function inspect(path: string): Observed | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return undefined;
    if (errorCode(error) !== "EACCES") throw error;
    // Unreadable: judged by what stat says, as a file that names no owner.
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats && { owner: undefined, ino: stats.ino, dev: stats.dev, mtimeMs: stats.mtimeMs, size: stats.size };
  }
  try {
    const stats = fstatSync(fd);
    const owner = parseOwner(readFileSync(fd, "utf8"));
    return { owner, ino: stats.ino, dev: stats.dev, mtimeMs: stats.mtimeMs, size: stats.size };
  } finally {
    closeSync(fd);
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null) return undefined;
    const owner = value as Record<string, unknown>;
    if (typeof owner.pid !== "number" || typeof owner.hostname !== "string" || typeof owner.token !== "string") return undefined;
    return value as LockOwner;
  } catch {
    // Empty or half-written: the creator is between open and write.
    return undefined;
  }
}

function sameFile(a: Observed, b: Observed): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.owner?.token === b.owner?.token && a.size === b.size;
}

/** A creator writes its owner microseconds after creating the file; a file without one for this long never gets one. */
const OWNERLESS_GRACE_MS = 1_000;

function staleReason(observed: Observed, staleMs: number, unchangedForMs: number): string | undefined {
  const owner = observed.owner;
  const ageMs = Date.now() - observed.mtimeMs;
  if (owner && onThisMachine(owner)) {
    if (!ownerAlive(owner)) return `process ${owner.pid} on ${owner.hostname} is no longer running`;
    // Alive here: never stale by age (the mtime may be old only because the clock stepped).
    return undefined;
  }
  if (!owner && unchangedForMs >= Math.min(OWNERLESS_GRACE_MS, staleMs)) {
    return `the lock file names no owner (${observed.size === 0 ? "it is empty" : "it cannot be read as an owner"}) and did not change for ${seconds(unchangedForMs, 1)} s`;
  }
  if (unchangedForMs >= staleMs) return `not refreshed while watched for ${seconds(unchangedForMs)} s (stale after ${seconds(staleMs)} s)`;
  const confirmMs = owner?.heartbeatMs ? 2 * owner.heartbeatMs : staleMs / 3;
  if (ageMs > staleMs && unchangedForMs >= confirmMs) return `not refreshed for ${seconds(ageMs)} s (stale after ${seconds(staleMs)} s)`;
  return undefined;
}

/** How long this waiter has seen the very same lock file state, by its own monotonic clock. */
class Watch {
  private state = "";
  private since = 0;

  unchangedFor(observed: Observed): number {
    const state = `${observed.dev}:${observed.ino}:${observed.size}:${observed.mtimeMs}:${observed.owner?.token}`;
    const now = performance.now();
    if (state !== this.state) {
      this.state = state;
      this.since = now;
    }
    return now - this.since;
  }
}

function seconds(ms: number, digits = 0): number {
  return Number((ms / 1000).toFixed(digits));
}

/**
 * "broken": the stale lock is gone (by us or someone else), retry at once.
 * "changed": the lock is no longer the one judged stale, re-inspect at once.
 * "busy": another waiter is breaking it right now, poll.
 */
function breakStale(path: string, observed: Observed, reason: string, settings: Settings, guardWatch: Watch): "broken" | "changed" | "busy" {
  const guardPath = `${path}.break`;
  const guard = createExclusive(guardPath, `breaking a stale lock on ${path}`);
  if (!guard) {
    const guardState = inspect(guardPath);
    if (guardState && staleReason(guardState, GUARD_STALE_MS, guardWatch.unchangedFor(guardState))) removeIfUnchanged(guardPath, guardState);
    return "busy";
  }
  try {
    const current = inspect(path);
    if (!current) return "broken";
    // Under the guard: break only the very state judged stale (a heartbeat may have refreshed it since).
    if (!sameFile(current, observed) || current.mtimeMs !== observed.mtimeMs) return "changed";
    if (!removeIfUnchanged(path, current)) return "changed";
    settings.onBreak?.(current.owner, reason);
    return "broken";
  } finally {
    closeSync(guard.fd);
    const guardNow = statSync(guardPath, { throwIfNoEntry: false });
    if (guardNow && guardNow.ino === guard.identity.ino && guardNow.dev === guard.identity.dev) unlinkSync(guardPath);
  }
}

/**
 * Removes `path` only if it is still `expected`: rename it to a unique name
 * first (atomic), then check what was moved; if it was some newer file, put it back.
 */
function removeIfUnchanged(path: string, expected: Observed): boolean {
  const aside = `${path}.stale-${crypto.randomUUID().slice(0, 8)}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if (errorCode(error) === "ENOENT") return false;
    throw error;
  }
  const moved = inspect(aside);
  if (moved && !sameFile(moved, expected)) {
    try {
      linkSync(aside, path);
    } catch {
      // EEXIST: yet another lock appeared meanwhile; the displaced holder will see `lost`.
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

function onThisMachine(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return false;
  const ours = pidNamespace();
  return owner.pidNamespace === undefined || ours === undefined || owner.pidNamespace === ours;
}

/** `kill(pid, 0)`: ESRCH means gone; EPERM means alive but not ours. Nonsense PIDs count as alive (never signal a group). */
function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== "ESRCH";
  }
}

/** The owner process is running, and is the same process (not a later one that got its PID). */
function ownerAlive(owner: LockOwner): boolean {
  if (!processAlive(owner.pid)) return false;
  const started = owner.processStart === undefined ? undefined : processStart(owner.pid);
  return started === undefined || started === owner.processStart;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux or when unreadable. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ")".
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let cachedPidNamespace: string | undefined | null = null;

function pidNamespace(): string | undefined {
  if (cachedPidNamespace === null) {
    try {
      cachedPidNamespace = readlinkSync("/proc/self/ns/pid");
    } catch {
      cachedPidNamespace = undefined;
    }
  }
  return cachedPidNamespace;
}

// ---------------------------------------------------------------- helpers

function jitter(ms: number): number {
  return Math.max(1, Math.round(ms * (0.75 + Math.random() * 0.5)));
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}
