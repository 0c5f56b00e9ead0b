/** Builders for the --json output whose shape src/output/json-schema.ts defines. */
import { exitCodeOf, InterruptedError, messageOf, ModelManagerError } from "../errors.ts";
import { type FailedRunOutput, type JsonOutput, type ModelFailure, SCHEMA_VERSION } from "./json-schema.ts";

/** The fields every command's output starts with; `ok` only when the exit code is 0 and no model failed. */
export function envelope<C extends JsonOutput["command"]>(command: C, exitCode: number, models: readonly { readonly ok: boolean }[]) {
  return { schemaVersion: SCHEMA_VERSION, command, ok: exitCode === 0 && models.every((model) => model.ok), exitCode };
}

/** A model that did not succeed: its id, the exit code it gives, the error's stable code and message. */
export function modelFailure(id: string, error: unknown): ModelFailure {
  return { id, ok: false, exitCode: exitCodeOf(error), ...errorFields(error) };
}

function errorFields(error: unknown): { code: string; message: string } {
  if (error instanceof DOMException && error.name === "AbortError") return errorFields(new InterruptedError());
  if (error instanceof ModelManagerError) return { code: error.code, message: error.message };
  return { code: "UNEXPECTED_ERROR", message: messageOf(error) };
}

/** A run that ended before reaching any model (usage or configuration error, unreadable settings). */
export function failedRunJson(command: FailedRunOutput["command"], exitCode: number, error: unknown): FailedRunOutput {
  return { ...envelope(command, exitCode, []), ok: false, error: errorFields(error), models: [] };
}
