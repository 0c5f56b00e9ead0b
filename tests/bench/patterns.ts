#!/usr/bin/env bun
/**
 * Speed of file selection (src/config/patterns.ts), moved here from the tests, which assert only
 * what is selected: `bun tests/bench/patterns.ts`. Prints the median of 9 runs of each case.
 */
import { matchesPattern, selectFiles } from "../../src/config/patterns.ts";

function medianMs(run: () => unknown, runs = 9): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

const many = Array.from({ length: 3000 }, (_, index) => `shard-${index % 7}/part-${index}.safetensors`);
const files = Array.from({ length: 50 }, (_, index) => `shard-${index % 7}/part-${index}*`);
const exclude = ["*.onnx", "*.h5", "*a*a*a*a*a*a*a*a*a*b", "shard-3/*"];

console.log(`| case | median ms |\n|---|---|`);
console.log(`| selectFiles: 3000 paths, 50 patterns, 4 excludes | ${medianMs(() => selectFiles(many, { files, exclude })).toFixed(2)} |`);
console.log(`| matchesPattern: 5000 characters against 11 stars, no match | ${medianMs(() => matchesPattern("a".repeat(5000), "*a*a*a*a*a*a*a*a*a*a*b")).toFixed(2)} |`);
