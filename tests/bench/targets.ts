/** Issue 5's bar: each target is a bound on one measured number, printed as met or short by how much. */

export type Target = {
  readonly scenario: number;
  readonly description: string;
  /** The measured value and how it reads, e.g. "1.32 × curl (2.61 s vs 1.98 s)". */
  readonly measured: string;
  readonly met: boolean;
  /** How far the value is from the bound, in percent of the bound; 0 when met. */
  readonly shortByPercent: number;
};

/** `value` must be at most `bound`. */
export function atMost(scenario: number, description: string, value: number, bound: number, measured: string): Target {
  const met = value <= bound;
  return { scenario, description, measured, met, shortByPercent: met ? 0 : (value / bound - 1) * 100 };
}

/** `value` must be at least `bound`. */
export function atLeast(scenario: number, description: string, value: number, bound: number, measured: string): Target {
  const met = value >= bound;
  return { scenario, description, measured, met, shortByPercent: met ? 0 : (1 - value / bound) * 100 };
}

export function status(target: Target): string {
  return target.met ? "**met**" : `**short** (by ${target.shortByPercent.toFixed(target.shortByPercent < 10 ? 1 : 0)}%)`;
}
