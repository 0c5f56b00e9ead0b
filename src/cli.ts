#!/usr/bin/env bun
// Temporary entry while the command layer is written; replaced by the full CLI.
import { versionLine } from "./version.ts";

const args = process.argv.slice(2);
if (args.includes("--version") || args.includes("-V")) {
  process.stdout.write(`${versionLine()}\n`);
} else {
  process.stdout.write("model-manager: the command layer is not written yet.\n");
  process.exitCode = 2;
}
