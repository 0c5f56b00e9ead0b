/** Every --json output a test reads goes through here: it must follow the published contract exactly. */
import { expect } from "bun:test";
import Ajv from "ajv";
import * as v from "valibot";
import committedSchema from "../../src/output/json-output.schema.json";
import { jsonOutput, type JsonOutput } from "../../src/output/json-schema.ts";

const validateFile = new Ajv({ allErrors: true, strict: false }).compile(committedSchema);

/**
 * Parses a command's stdout and checks it three ways: against the committed JSON Schema file (what
 * users validate with), against the valibot source, and that the source knows every field printed
 * (its objects drop unknown keys, so an undocumented field makes the parsed value differ).
 */
export function parseJsonOutput<C extends JsonOutput["command"]>(stdout: string, command: C): Extract<JsonOutput, { command: C }> {
  const output = validateJsonOutput(stdout);
  expect(output.command).toBe(command);
  return output as Extract<JsonOutput, { command: C }>;
}

/** The checks of parseJsonOutput, for any command; runCli applies them to every --json run of every test. */
export function validateJsonOutput(stdout: string): JsonOutput {
  const value: unknown = JSON.parse(stdout);
  if (!validateFile(value)) throw new Error(`--json output does not match src/output/json-output.schema.json: ${JSON.stringify(validateFile.errors, null, 2)}\n${stdout}`);
  const parsed = v.safeParse(jsonOutput, value);
  if (!parsed.success) throw new Error(`--json output does not match src/output/json-schema.ts: ${v.summarize(parsed.issues)}\n${stdout}`);
  expect(parsed.output).toEqual(value as JsonOutput);
  return parsed.output;
}
