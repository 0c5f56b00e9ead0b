import { expect, test } from "bun:test";
import { ConsoleLogger } from "../../src/output/logger.ts";
import { PlainProgress, uploadWords } from "../../src/output/progress.ts";

const MiB = 1024 * 1024;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/;

test("plain progress (logs): one total line every 10 s of the run, a line per large file, no control characters", () => {
  const lines: string[] = [];
  let now = 5_000;
  const display = new PlainProgress(new ConsoleLogger({ write: (line) => lines.push(line) }), () => now);
  display.modelPlanned("m", { files: 2, bytes: 80 * MiB + 100 });
  const big = display.fileStarted("m", "model.safetensors", { size: 80 * MiB, resumedBytes: 0, ranged: true });
  const small = display.fileStarted("m", "config.json", { size: 100, resumedBytes: 0, ranged: false });
  small.advance(100);
  small.finished();
  // The timer refreshes every second; 35 s of transfer at 2 MiB/s.
  for (let second = 1; second <= 35; second++) {
    now = 5_000 + second * 1000;
    big.advance(2 * MiB);
    display.refresh();
  }
  big.advance(10 * MiB);
  big.finished();
  display.stop();

  const totals = lines.filter((line) => line.startsWith("progress: "));
  expect(totals).toEqual([
    "progress: 20.0 MiB of 80.0 MiB (25%), 2.0 MiB/s, ETA 30 s, 1/2 files",
    "progress: 40.0 MiB of 80.0 MiB (50%), 2.0 MiB/s, ETA 20 s, 1/2 files",
    "progress: 60.0 MiB of 80.0 MiB (75%), 2.0 MiB/s, ETA 10 s, 1/2 files",
  ]);
  expect(lines[0]).toBe("m: fetching 2 files, 80.0 MiB");
  expect(lines[1]).toBe("m: downloading model.safetensors (80.0 MiB, parallel ranges)");
  expect(lines.at(-1)).toBe("m: finished model.safetensors (80.0 MiB in 35 s, 2.3 MiB/s)");
  expect(lines.some((line) => line.includes("config.json"))).toBe(false);
  for (const line of lines) expect(CONTROL.test(line)).toBe(false);
});

test("plain progress of a push: the same lines, worded for uploads to the mirror", () => {
  const lines: string[] = [];
  let now = 0;
  const display = new PlainProgress(new ConsoleLogger({ write: (line) => lines.push(line) }), () => now, uploadWords("s3://fleet/team"));
  display.modelPlanned("m", { files: 1, bytes: 40 * MiB });
  const big = display.fileStarted("m", "model.safetensors", { size: 40 * MiB, resumedBytes: 0, ranged: false });
  for (let second = 1; second <= 19; second++) {
    now = second * 1000;
    big.advance(2 * MiB);
    display.refresh();
  }
  now = 20_000;
  big.advance(2 * MiB);
  big.finished();
  display.stop();
  expect(lines).toEqual([
    "m: uploading 1 file, 40.0 MiB to s3://fleet/team",
    "m: uploading model.safetensors (40.0 MiB)",
    "progress: 20.0 MiB of 40.0 MiB (50%), 2.0 MiB/s, ETA 10 s, 0/1 files",
    "m: uploaded model.safetensors (40.0 MiB in 20 s, 2.0 MiB/s)",
  ]);
});
