import { rmSync } from "node:fs";
import * as v from "valibot";
import { writeFileAtomic } from "../cache/atomic-write.ts";
import { readTextOrUndefined } from "../cache/read-text.ts";

/**
 * The sidecar of a partial download: which byte ranges of which exact file
 * are on disk. Written atomically, so after a crash or `kill -9` it is
 * either the previous or the next version, never a torn one.
 */
export type PartialState = {
  readonly version: 1;
  readonly repoId: string;
  readonly commit: string;
  readonly path: string;
  readonly size: number;
  /** The content identity the bytes belong to: LFS sha256, else the git blob sha1. */
  readonly identity: string;
  readonly done: ReadonlyArray<readonly [number, number]>;
};

const RangeSchema = v.tuple([v.pipe(v.number(), v.integer(), v.minValue(0)), v.pipe(v.number(), v.integer(), v.minValue(0))]);

const PartialStateSchema = v.object({
  version: v.literal(1),
  repoId: v.string(),
  commit: v.string(),
  path: v.string(),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  identity: v.string(),
  done: v.array(RangeSchema),
});

export function readPartialState(statePath: string): PartialState | undefined {
  const text = readTextOrUndefined(statePath);
  if (text === undefined) return undefined;
  try {
    const parsed = v.safeParse(PartialStateSchema, JSON.parse(text));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

export function writePartialState(statePath: string, state: PartialState): void {
  writeFileAtomic(statePath, JSON.stringify(state));
}

export function removePartial(partialPath: string, statePath: string): void {
  rmSync(statePath, { force: true });
  rmSync(partialPath, { force: true });
}
