import type { ModelSpec } from "../config/types.ts";
import { exitCodeOf } from "../errors.ts";
import { plural } from "../output/format.ts";
import type { Logger } from "../output/logger.ts";
import { describeFailure } from "./describe-result.ts";

/** The commit a model's branch or tag points at on the Hub now; undefined when pinned to a commit or not recorded. */
export type UpstreamLookup = (spec: ModelSpec) => Promise<string | undefined>;

export type Upstream =
  | { readonly ok: true; readonly upstreamCommit: string | null; readonly behind: boolean }
  | { readonly ok: false; readonly error: unknown };

/** --list --refresh: asks the Hub, once per recorded model that follows a branch or tag, whether it moved. */
export async function lookUpstream(
  specs: readonly ModelSpec[],
  recorded: ReadonlyMap<string, string | null>,
  lookup: UpstreamLookup,
  logger: Logger,
): Promise<Map<string, Upstream>> {
  const states = await Promise.all(
    specs.map(async (spec): Promise<Upstream> => {
      try {
        const current = (await lookup(spec)) ?? null;
        return { ok: true, upstreamCommit: current, behind: current !== null && current !== recorded.get(spec.id) };
      } catch (error) {
        logger.error(describeFailure(spec.id, error));
        return { ok: false, error };
      }
    }),
  );
  const behind = states.filter((state) => state.ok && state.behind).length;
  logger.info(`${behind} of ${plural(specs.length, "model")} behind their branch or tag`);
  return new Map(specs.map((spec, index) => [spec.id, states[index] as Upstream]));
}

/** The UPSTREAM column: "behind → 4da169b", "up to date", or "-" (pinned to a commit, or not downloaded). */
export function upstreamCell(state: Upstream | undefined): string {
  if (!state) return "-";
  if (!state.ok) return "error";
  if (state.upstreamCommit === null) return "-";
  return state.behind ? `behind → ${state.upstreamCommit.slice(0, 7)}` : "up to date";
}

/** The exit code of the first failed lookup, or 0. */
export function upstreamExitCode(states: ReadonlyMap<string, Upstream>): number {
  for (const state of states.values()) if (!state.ok) return exitCodeOf(state.error);
  return 0;
}
