/**
 * The published JSON Schema of the --json output, generated from its valibot source
 * (src/output/json-schema.ts). `bun run schema` rewrites the committed file; a test fails when
 * the committed file differs from what the source produces.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import { join } from "node:path";
import { jsonOutput } from "../../src/output/json-schema.ts";

export const SCHEMA_FILE = join(import.meta.dir, "..", "..", "src", "output", "json-output.schema.json");

export function renderJsonSchema(): string {
  return `${JSON.stringify(toJsonSchema(jsonOutput, { errorMode: "throw" }), null, 2)}\n`;
}

if (import.meta.main) {
  await Bun.write(SCHEMA_FILE, renderJsonSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
