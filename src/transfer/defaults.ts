import { UsageError } from "../errors.ts";
import { DEFAULT_RETRY_POLICY } from "../hub/retry.ts";
import type { EngineOptions } from "./engine.ts";

type Env = Readonly<Record<string, string | undefined>>;

const MiB = 1024 * 1024;

/**
 * Engine defaults, chosen from `bun run bench` and `bun tests/bench/sweep.ts` on
 * a 2-core VM (numbers in tests/bench/results/latest.md):
 *
 * - connectionsPerFile 16, of which a file starts with 8 (ConnectionSizer). A
 *   link that caps each connection gains almost linearly: for 1.2 GiB at 40 MB/s
 *   per connection, 8 took 4.4 s, 12 took 3.1 s, 16 took 2.4 s (aria2c -x16:
 *   2.9 s). On an uncapped link (loopback) receiving, writing and hashing are
 *   CPU-bound from 2 connections on (2 GiB: 2.4–2.6 s for 2 to 16), and every
 *   streaming connection costs memory in Bun's fetch (~2 MiB each; 16 there
 *   reached 136–153 MiB peak RSS). So a file opens the second 8 only when the
 *   first 8 turn out slow (ConnectionSizer).
 * - chunkSize 16 MiB: 8 MiB pieces pay the 20 ms per-request latency of a CDN
 *   twice as often (−5% at 40 MB/s); 32 MiB pieces lengthen the in-order hash
 *   that is left when the last pieces arrive (16 in flight × 32 MiB ≈ 0.4 s).
 *   Pieces are then sized so their count is a multiple of the connections.
 * - rangedThreshold 64 MiB: below it, files are streamed on one connection each
 *   and run 16 at a time. Twenty 32 MiB files took 1.6 s ranged vs 2.0 s
 *   streamed on the capped link, but 1.34 s vs 1.23 s (and +25 MiB RSS) on
 *   loopback; a model's time is set by its large files either way.
 * - cheapUnitsRangedThreshold 8 MiB: a Xet file's units are planned from one
 *   reconstruction (no per-unit redirect), so from two 4 MiB units on it runs on
 *   several connections (48 MiB at 40 MB/s per connection: see README, Xet).
 * - connections 16, fileConcurrency 16: small files are latency-bound (two
 *   round trips each: resolve, then the redirect); 2,000 × 8 KiB with 20 ms per
 *   response took 10.9 s with 8 at once, 5.6 s with 16 (aria2c -j16: 6.7 s) and
 *   3.0 s with 32, but 32 streams of a large file would exceed the memory budget.
 */
const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  connections: 16,
  connectionsPerFile: 16,
  chunkSize: 16 * MiB,
  rangedThreshold: 64 * MiB,
  cheapUnitsRangedThreshold: 8 * MiB,
  fileConcurrency: 16,
  retry: DEFAULT_RETRY_POLICY,
  // As curl's --speed-limit 1000 --speed-time 30: a 1 MB/s link over all 16 connections gives each ~64 KiB/s, 60 times this.
  minBytesPerSecond: 1024,
};

/** Advanced tuning through MODEL_MANAGER_* variables, validated so a typo fails loudly. */
export function engineOptionsFromEnv(env: Env = process.env, base: EngineOptions = DEFAULT_ENGINE_OPTIONS): EngineOptions {
  return {
    connections: readCount(env, "MODEL_MANAGER_CONNECTIONS", base.connections),
    connectionsPerFile: readCount(env, "MODEL_MANAGER_CONNECTIONS_PER_FILE", base.connectionsPerFile),
    fileConcurrency: readCount(env, "MODEL_MANAGER_FILE_CONCURRENCY", base.fileConcurrency),
    chunkSize: readBytes(env, "MODEL_MANAGER_CHUNK_SIZE", base.chunkSize),
    rangedThreshold: readBytes(env, "MODEL_MANAGER_RANGED_THRESHOLD", base.rangedThreshold),
    minBytesPerSecond: readRateOrZero(env, "MODEL_MANAGER_MIN_SPEED", base.minBytesPerSecond),
    cheapUnitsRangedThreshold: readBytes(env, "MODEL_MANAGER_XET_RANGED_THRESHOLD", base.cheapUnitsRangedThreshold),
    retry: {
      ...base.retry,
      maxAttempts: readCount(env, "MODEL_MANAGER_MAX_ATTEMPTS", base.retry.maxAttempts),
      baseDelayMs: readCount(env, "MODEL_MANAGER_RETRY_BASE_MS", base.retry.baseDelayMs),
    },
  };
}

function readCount(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

/** A byte count: plain digits, or with a KiB/MiB/GiB (or K/M/G) suffix. */
function parseByteCount(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(raw.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const factor = unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? 1024 * MiB : 1;
  const value = Math.round(Number(match[1]) * factor);
  return value >= 1 ? value : undefined;
}

/** `expected` says what the variable holds, for its usage error. */
function readBytes(env: Env, name: string, fallback: number, expected = "a byte count such as 16MiB"): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = parseByteCount(raw);
  if (value === undefined) throw new UsageError(`${name} must be ${expected}, got ${JSON.stringify(raw)}`);
  return value;
}

/** Bytes per second, written as a byte count (1KiB), or 0 (which turns a floor off). */
function readRateOrZero(env: Env, name: string, fallback: number): number {
  return env[name]?.trim() === "0" ? 0 : readBytes(env, name, fallback, "a rate in bytes per second such as 1KiB or 512KiB (0: no floor)");
}
