/**
 * One of a fixed set of words (a verify level, a layout, a lock mode), for the command line and the
 * library alike: one check, one wording, with the near miss a typo most likely meant.
 */
import { describeValue, quote, quoteAll } from "./config/describe.ts";
import { closestMatch, UsageError } from "./errors.ts";

export function choiceArgument<const Choice extends string>(value: unknown, choices: readonly Choice[], name: string): Choice {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as Choice;
  const hint = typeof value === "string" ? closestMatch(value, choices) : undefined;
  throw new UsageError(`${name} must be one of ${quoteAll(choices)}, found ${typeof value === "string" ? quote(value) : describeValue(value)}${hint ? ` (did you mean ${quote(hint)}?)` : ""}`);
}
