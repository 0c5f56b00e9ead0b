import { UsageError } from "../errors.ts";
import { DEFAULT_RETRY_POLICY } from "../hub/retry.ts";
import type { EngineOptions } from "./engine.ts";

type Env = Readonly<Record<string, string | undefined>>;

const MiB = 1024 * 1024;

/** Engine defaults; the reasons for each value are in README.md (Performance). */
export const DEFAULT_ENGINE_OPTIONS: EngineOptions = {
  connections: 16,
  connectionsPerFile: 8,
  chunkSize: 16 * MiB,
  rangedThreshold: 64 * MiB,
  fileConcurrency: 8,
  retry: DEFAULT_RETRY_POLICY,
};

/** Advanced tuning through MODEL_MANAGER_* variables, validated so a typo fails loudly. */
export function engineOptionsFromEnv(env: Env = process.env, base: EngineOptions = DEFAULT_ENGINE_OPTIONS): EngineOptions {
  return {
    connections: readCount(env, "MODEL_MANAGER_CONNECTIONS", base.connections),
    connectionsPerFile: readCount(env, "MODEL_MANAGER_CONNECTIONS_PER_FILE", base.connectionsPerFile),
    fileConcurrency: readCount(env, "MODEL_MANAGER_FILE_CONCURRENCY", base.fileConcurrency),
    chunkSize: readBytes(env, "MODEL_MANAGER_CHUNK_SIZE", base.chunkSize),
    rangedThreshold: readBytes(env, "MODEL_MANAGER_RANGED_THRESHOLD", base.rangedThreshold),
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
export function parseByteCount(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(raw.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const factor = unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? 1024 * MiB : 1;
  const value = Math.round(Number(match[1]) * factor);
  return value >= 1 ? value : undefined;
}

function readBytes(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = parseByteCount(raw);
  if (value === undefined) throw new UsageError(`${name} must be a byte count such as 16MiB, got ${JSON.stringify(raw)}`);
  return value;
}
