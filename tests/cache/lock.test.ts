import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { acquireLock, describeLockOwner, type LockOwner, LockTimeoutError } from "../../src/cache/lock.ts";
import { Child } from "./fixtures/child.ts";

const fixtures = join(import.meta.dir, "fixtures");
let dir: string;
let lockFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mm-lock-"));
  lockFile = join(dir, "locks", "model.lock");
  mkdirSync(join(dir, "locks"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeForeignLock(path: string, owner: Partial<LockOwner>, ageMs: number): void {
  const full = { pid: 1, hostname: "some-other-host", createdAt: new Date().toISOString(), token: "foreign-token", heartbeatMs: 20, ...owner };
  writeFileSync(path, JSON.stringify(full));
  const when = new Date(Date.now() - ageMs);
  utimesSync(path, when, when);
}

async function deadPid(): Promise<number> {
  const proc = Bun.spawn(["true"]);
  await proc.exited;
  return proc.pid;
}

describe("acquireLock", () => {
  test("creates the lock file with its owner as JSON and removes it on release", async () => {
    const lock = await acquireLock(lockFile, { purpose: "downloading model x" });
    const owner = JSON.parse(readFileSync(lockFile, "utf8"));
    expect(owner).toMatchObject({ pid: process.pid, hostname: hostname(), token: lock.owner.token, purpose: "downloading model x" });
    expect(Number.isNaN(Date.parse(owner.createdAt))).toBe(false);
    lock.release();
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  test("await using releases at the end of the scope", async () => {
    {
      await using _lock = await acquireLock(lockFile);
      expect(existsSync(lockFile)).toBe(true);
    }
    expect(existsSync(lockFile)).toBe(false);
  });

  test("serialises concurrent holders in one process", async () => {
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        const lock = await acquireLock(lockFile, { pollMs: 1, maxPollMs: 5 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        await Promise.resolve();
        inside--;
        lock.release();
      }),
    );
    expect(maxInside).toBe(1);
    expect(readdirSync(join(dir, "locks"))).toEqual([]);
  });

  test("a holder killed with SIGKILL is recovered by the next waiter through its PID", async () => {
    const holder = Child.start(join(fixtures, "lock-holder.ts"), [lockFile]);
    const line = await holder.waitForLine((text) => text.startsWith("acquired "));
    const owner: LockOwner = JSON.parse(line.slice("acquired ".length));
    holder.process.kill("SIGKILL");
    await holder.exited();
    const breaks: string[] = [];
    // Through the PID, not the 10-minute staleness bound: the wait would time out long before that.
    const lock = await acquireLock(lockFile, { timeoutMs: 5_000, onBreak: (_, reason) => breaks.push(reason) });
    expect(breaks).toEqual([`process ${owner.pid} on ${hostname()} is no longer running`]);
    lock.release();
  });

  test("a live holder in another process is waited for, and onWait names it", async () => {
    const holder = Child.start(join(fixtures, "lock-holder.ts"), [lockFile]);
    await holder.waitForLine((text) => text.startsWith("acquired "));
    const seen: (LockOwner | undefined)[] = [];
    const waiting = acquireLock(lockFile, { onWait: (owner) => seen.push(owner), pollMs: 5 });
    holder.send("release");
    const lock = await waiting;
    expect(seen.length).toBe(1);
    expect(seen[0]?.pid).toBe(holder.process.pid);
    expect(describeLockOwner(seen[0])).toBe(`process ${holder.process.pid} on ${hostname()} (holding for a test)`);
    lock.release();
    expect(await holder.exited()).toBe(0);
  });

  test("a live holder on this host is never taken over, however old its mtime looks (a clock step, a resumed VM)", async () => {
    const holder = Child.start(join(fixtures, "lock-holder.ts"), [lockFile]);
    await holder.waitForLine((text) => text.startsWith("acquired "));
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
    utimesSync(lockFile, fiveMinutesAgo, fiveMinutesAgo);
    const breaks: string[] = [];
    const waited = await acquireLock(lockFile, { staleMs: 60_000, timeoutMs: 300, pollMs: 5, onBreak: (_, reason) => breaks.push(reason) }).catch((caught) => caught);
    expect(waited).toBeInstanceOf(LockTimeoutError);
    expect(breaks).toEqual([]);
    holder.send("release");
    expect(await holder.exited()).toBe(0);
  });

  test("a PID now used by a later process is not taken for the holder that died", async () => {
    // This test process is alive, but it started at another time than the lock says its owner did.
    writeForeignLock(lockFile, { hostname: hostname(), pid: process.pid, processStart: "1" }, 0);
    const breaks: string[] = [];
    const lock = await acquireLock(lockFile, { timeoutMs: 5_000, onBreak: (_, reason) => breaks.push(reason) });
    expect(breaks).toEqual([`process ${process.pid} on ${hostname()} is no longer running`]);
    lock.release();
  });

  test("a lock file that names no owner is taken over after a second of watching, not after the stale bound", async () => {
    writeFileSync(lockFile, "");
    const breaks: string[] = [];
    // A 10-minute stale bound and deadline: only the ownerless rule can free it within the test's time.
    const lock = await acquireLock(lockFile, { staleMs: 600_000, timeoutMs: 600_000, onBreak: (_, reason) => breaks.push(reason) });
    expect(breaks).toHaveLength(1);
    expect(breaks[0]).toMatch(/^the lock file names no owner \(it is empty\) and did not change for \d+(\.\d)? s$/);
    lock.release();
  });

  // Root reads any file, so the unreadable case runs the waiter as an unprivileged user: bundled into one
  // script in a folder under /tmp that user can reach (the test's own temp folder may sit in a private one).
  const canDropPrivileges = process.getuid?.() === 0 && Bun.which("setpriv") !== null;
  test.skipIf(!canDropPrivileges)("a lock file this user cannot read is taken over after a second too (waiter run as nobody; skipped unless root with setpriv)", async () => {
    const shared = mkdtempSync("/tmp/mm-lock-nobody-");
    try {
      chmodSync(shared, 0o777);
      const built = await Bun.build({ entrypoints: [join(fixtures, "lock-taker.ts")], target: "bun", outdir: shared });
      expect(built.success).toBe(true);
      const script = built.outputs[0]?.path as string;
      chmodSync(script, 0o644);
      const unreadable = join(shared, "model.lock");
      writeFileSync(unreadable, "{}");
      chmodSync(unreadable, 0o000);
      const proc = Bun.spawn(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, script, unreadable], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: shared },
        stdout: "pipe",
        stderr: "pipe",
        timeout: 60_000,
      });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      const breaks: string[] = JSON.parse(stdout);
      expect(breaks).toHaveLength(1);
      expect(breaks[0]).toMatch(/^the lock file names no owner \(it cannot be read as an owner\) and did not change for \d+(\.\d)? s$/);
      expect(existsSync(unreadable)).toBe(false);
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  test("a lock from another host with an old mtime is broken by the mtime bound", async () => {
    writeForeignLock(lockFile, {}, 10 * 60_000);
    const breaks: [LockOwner | undefined, string][] = [];
    const lock = await acquireLock(lockFile, { staleMs: 60_000, timeoutMs: 2_000, onBreak: (owner, reason) => breaks.push([owner, reason]) });
    expect(breaks.length).toBe(1);
    expect(breaks[0]?.[0]?.hostname).toBe("some-other-host");
    expect(breaks[0]?.[1]).toMatch(/not refreshed for 600 s/);
    expect(lock.owner.hostname).toBe(hostname());
    lock.release();
  });

  test("a live holder on another host whose clock runs behind keeps its lock: its mtime is old but changing", async () => {
    writeForeignLock(lockFile, {}, 10 * 60_000);
    let beat = 0;
    const heartbeat = setInterval(() => {
      const skewed = new Date(Date.now() - 10 * 60_000 + ++beat);
      utimesSync(lockFile, skewed, skewed);
    }, 10);
    try {
      expect(await acquireLock(lockFile, { staleMs: 60_000, timeoutMs: 300, pollMs: 5 }).catch((caught) => caught)).toBeInstanceOf(LockTimeoutError);
    } finally {
      clearInterval(heartbeat);
    }
  });

  test("a dead holder on another host whose clock ran ahead is broken once watched unchanged for the stale bound", async () => {
    writeForeignLock(lockFile, {}, -3_600_000);
    const breaks: string[] = [];
    const started = performance.now();
    const lock = await acquireLock(lockFile, { staleMs: 200, timeoutMs: 5_000, onBreak: (_, reason) => breaks.push(reason) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(breaks[0]).toMatch(/not refreshed while watched/);
    lock.release();
  });

  test("a fresh lock from another host is not broken, even with a PID that does not exist here", async () => {
    writeForeignLock(lockFile, { pid: await deadPid(), purpose: "downloading model y" }, 0);
    const seen: (LockOwner | undefined)[] = [];
    const error = await acquireLock(lockFile, { timeoutMs: 150, onWait: (owner) => seen.push(owner) }).catch((caught) => caught);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error.message).toContain("some-other-host (downloading model y)");
    expect(seen[0]?.purpose).toBe("downloading model y");
    expect(JSON.parse(readFileSync(lockFile, "utf8")).token).toBe("foreign-token");
  });

  test("a dead PID in another PID namespace of the same host is not trusted (containers sharing a hostname)", async () => {
    writeForeignLock(lockFile, { hostname: hostname(), pid: await deadPid(), pidNamespace: "pid:[1]" }, 0);
    const error = await acquireLock(lockFile, { timeoutMs: 100 }).catch((caught) => caught);
    expect(error).toBeInstanceOf(LockTimeoutError);
  });

  test("an empty lock file (creator died before writing) is waited for while fresh and broken once old", async () => {
    writeFileSync(lockFile, "");
    const seen: (LockOwner | undefined)[] = [];
    expect(await acquireLock(lockFile, { timeoutMs: 100, onWait: (owner) => seen.push(owner) }).catch((caught) => caught)).toBeInstanceOf(LockTimeoutError);
    expect(seen).toEqual([undefined]);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockFile, old, old);
    const lock = await acquireLock(lockFile, { staleMs: 300, timeoutMs: 2_000 });
    lock.release();
  });

  test("a leftover break guard does not block forever", async () => {
    writeForeignLock(lockFile, {}, 10 * 60_000);
    writeForeignLock(`${lockFile}.break`, {}, 60_000);
    const lock = await acquireLock(lockFile, { staleMs: 60_000, timeoutMs: 2_000, pollMs: 5 });
    lock.release();
    expect(readdirSync(join(dir, "locks"))).toEqual([]);
  });

  test("waiting can be cancelled with an AbortSignal", async () => {
    const held = await acquireLock(lockFile);
    const controller = new AbortController();
    const waiting = acquireLock(lockFile, { signal: controller.signal, onWait: () => controller.abort(new Error("user pressed ctrl-c")) });
    await expect(waiting).rejects.toThrow("user pressed ctrl-c");
    held.release();
  });

  test("the heartbeat keeps refreshing the mtime while held", async () => {
    const lock = await acquireLock(lockFile, { heartbeatMs: 10 });
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(lockFile, old, old);
    // Polls for the refresh (a heartbeat every 10 ms); the deadline only bounds a failing run.
    const deadline = Date.now() + 20_000;
    while (statSync(lockFile).mtimeMs < Date.now() - 60_000 && Date.now() < deadline) await Bun.sleep(5);
    expect(statSync(lockFile).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.parse(readFileSync(lockFile, "utf8")).pid).toBe(process.pid);
    expect(lock.lost.aborted).toBe(false);
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
  });

  test("release leaves a lock that is no longer ours, and the holder learns it was lost", async () => {
    const lock = await acquireLock(lockFile, { heartbeatMs: 10 });
    rmSync(lockFile);
    writeForeignLock(lockFile, { token: "someone-else" }, 0);
    while (!lock.lost.aborted) await Bun.sleep(5);
    lock.release();
    expect(JSON.parse(readFileSync(lockFile, "utf8")).token).toBe("someone-else");
  });

  test("several waiters breaking the same stale lock: exactly one breaks it, never two holders", async () => {
    for (let round = 0; round < 3; round++) {
      writeForeignLock(lockFile, { token: `stale-${round}` }, 10 * 60_000);
      const marker = join(dir, `inside-${round}`);
      const contenders = Array.from({ length: 4 }, () => Child.start(join(fixtures, "lock-contender.ts"), [lockFile, marker, "60000"]));
      await Promise.all(contenders.map((child) => child.waitForLine((line) => line === "ready")));
      for (const child of contenders) child.send("go");
      const codes = await Promise.all(contenders.map((child) => child.exited()));
      const output = contenders.flatMap((child) => child.output);
      expect(output.filter((line) => line === "overlap")).toEqual([]);
      expect(codes).toEqual([0, 0, 0, 0]);
      expect(output.filter((line) => line.startsWith("broke ")).length).toBe(1);
      expect(output.filter((line) => line === "done").length).toBe(4);
    }
    expect(readdirSync(join(dir, "locks"))).toEqual([]);
  }, 20_000);
});
