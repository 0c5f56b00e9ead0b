/** The configuration file's schema, in the seed's snake_case keys, with messages meant for people. */
import * as v from "valibot";
import { closestMatch } from "../errors.ts";
import { describeValue, quote, quoteAll, quotingHint } from "./describe.ts";
import { normaliseLocalDir } from "./local-dir.ts";
import { cacheDirProblem, modelIdProblem, patternProblem, repoIdProblem, revisionProblem } from "./rules.ts";
import { LAYOUTS, REPO_TYPES, VERIFY_LEVELS } from "./types.ts";
import { mirrorLocationProblem } from "../mirror/location.ts";

function expected(what: string) {
  return (issue: v.BaseIssue<unknown>) => `expected ${what}, found ${describeValue(issue.input)}${quotingHint(issue.input)}`;
}

/** An object schema's message covers both a wrong type and a missing required key. */
function expectedMapping(what: string) {
  return (issue: v.BaseIssue<unknown>) =>
    issue.path !== undefined ? `missing required key ${issue.expected}` : expected(what)(issue);
}

function oneOf<const Choices extends readonly string[]>(choices: Choices) {
  return v.picklist(choices, (issue) => {
    const hint = typeof issue.input === "string" ? closestMatch(issue.input, choices) : undefined;
    const found = typeof issue.input === "string" ? quote(issue.input) : describeValue(issue.input);
    return `expected one of ${quoteAll(choices)}, found ${found}${hint ? `; did you mean ${quote(hint)}?` : ""}`;
  });
}

function text() {
  return v.string(expected("a string"));
}

/** Adds the problem `problemOf` finds in a string, if any. */
function rule(problemOf: (value: string) => string | undefined) {
  return v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = problemOf(dataset.value);
    if (problem) addIssue({ message: problem });
  });
}

function localDirProblem(localDir: string): string | undefined {
  const result = normaliseLocalDir(localDir);
  return "problem" in result ? result.problem : undefined;
}

const patternList = v.array(v.pipe(text(), rule(patternProblem)), expected("a list of file paths or patterns"));

/**
 * A YAML mapping with known keys. The guard comes first because valibot's object
 * schemas accept arrays. Unknown keys are found by unknown-keys.ts: valibot skips
 * keys such as `constructor` and `__proto__`.
 */
function mapping<const Entries extends v.ObjectEntries>(entries: Entries, what: string) {
  return v.pipe(v.custom<Record<string, unknown>>(isMapping, expected(what)), v.looseObject(entries, expectedMapping(what)));
}

export function isMapping(input: unknown): input is Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

const modelEntries = {
  id: v.pipe(text(), rule(modelIdProblem)),
  repo_id: v.pipe(text(), rule(repoIdProblem)),
  revision: v.optional(v.pipe(text(), rule(revisionProblem)), "main"),
  repo_type: v.optional(oneOf(REPO_TYPES), "model"),
  local_dir: v.optional(v.pipe(text(), rule(localDirProblem))),
  files: v.optional(
    v.pipe(patternList, v.minLength(1, "must list at least one file or pattern; leave files out to download every file")),
  ),
  exclude: v.optional(patternList),
  verify: v.optional(oneOf(VERIFY_LEVELS)),
};

export const modelSchema = mapping(modelEntries, 'a mapping with "id" and "repo_id"');

const configEntries = {
  // No default here: with layout hf, a missing cache_dir means the Hugging Face cache (normalise.ts).
  cache_dir: v.optional(v.pipe(text(), rule(cacheDirProblem))),
  layout: v.optional(oneOf(LAYOUTS), "plain"),
  verify: v.optional(oneOf(VERIFY_LEVELS), "size"),
  models: v.pipe(v.array(modelSchema, expected("a list of models")), v.minLength(1, "must list at least one model")),
  mirrors: v.optional(v.array(v.pipe(text(), rule(mirrorLocationProblem)), expected("a list of mirror URLs (s3://bucket/prefix or https://…)"))),
  mirror: v.optional(
    mapping({ endpoint: v.optional(v.pipe(text(), rule(endpointProblem))), region: v.optional(text()) }, 'a mapping with "endpoint" and/or "region" (credentials come from the environment only)'),
  ),
};

function endpointProblem(endpoint: string): string | undefined {
  return /^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/.test(endpoint) ? undefined : "must be an http(s) URL such as https://s3.us-east-1.amazonaws.com, without credentials";
}

export const configSchema = mapping(configEntries, 'a mapping with a "models" list');

export type RawModelsConfig = v.InferOutput<typeof configSchema>;
export type RawModelSpec = v.InferOutput<typeof modelSchema>;

export const CONFIG_KEYS = Object.keys(configEntries);
export const MODEL_KEYS = Object.keys(modelEntries);
export const MIRROR_KEYS = ["endpoint", "region"];
