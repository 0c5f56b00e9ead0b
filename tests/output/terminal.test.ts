/**
 * The live progress display in a real terminal (tmux): 4 models × 20 files,
 * fetched slowly enough that frames can be read off the screen.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generated, json, type LocalHub } from "../local-hub/index.ts";
import { binaryPath } from "../helpers/binary.ts";
import { project, startHub } from "../helpers/hub-scenario.ts";
import { mustRunOnCI } from "../helpers/must-run.ts";
import { TmuxTerminal, tmuxPath } from "../helpers/tmux.ts";

const MODELS = ["alpha", "beta-model", "gamma", "delta"];
const FILES_PER_MODEL = 20;
const CONFIG = `cache_dir: cache\nverify: sha256\nmodels:\n${MODELS.map((id, index) => `  - id: ${id}\n    repo_id: acme/repo-${index}\n`).join("")}`;
const BAR = /[█░]/;
const MODEL_LABEL = new RegExp(`%\\s+(${MODELS.join("|")}): \\S`);

let hub: LocalHub;
beforeAll(async () => {
  if (!tmuxPath) return;
  hub = await startHub({
    repos: MODELS.map((_, index) => ({
      id: `acme/repo-${index}`,
      files: {
        "config.json": json({ index }),
        ...Object.fromEntries(Array.from({ length: FILES_PER_MODEL - 1 }, (_, file) => [`weights/part-${String(file).padStart(2, "0")}.safetensors`, generated(128 << 10, `repo-${index}-part-${file}`)])),
      },
    })),
  });
  // Each file takes about a second, so frames stay on screen long enough to be read.
  hub.setThrottle({ bytesPerSecond: 128 << 10 });
});
afterAll(() => hub?.stop());

/** The live frame on a screen: the rows from the first bar (or "… and K more") down to the total line. */
function frameOf(screen: readonly string[]): string[] | undefined {
  const total = screen.findIndex((row) => / total {2}\S/.test(row) && BAR.test(row));
  if (total < 0) return undefined;
  let top = total;
  while (top > 0 && (BAR.test(screen[top - 1] ?? "") || (screen[top - 1] ?? "").startsWith("… and "))) top--;
  return screen.slice(top, total + 1);
}

function expectWellFormedFrame(screen: readonly string[], terminal: TmuxTerminal): void {
  const frame = frameOf(screen);
  if (!frame) return;
  // Never taller than the terminal (one row stays free for the cursor), never wider.
  expect(frame.length).toBeLessThanOrEqual(terminal.rows - 1);
  for (const row of frame) expect(Bun.stringWidth(row)).toBeLessThan(terminal.columns);
  for (const row of frame.slice(0, -1)) {
    if (row.startsWith("… and ")) expect(row).toMatch(/^… and \d+ more files?$/);
    else expect(row).toMatch(MODEL_LABEL);
  }
}

describe.skipIf(!tmuxPath)(mustRunOnCI("live progress in a terminal (tmux)"), () => {
  for (const [columns, rows] of [
    [80, 24],
    [100, 12],
  ] as const) {
    test(`${columns}×${rows}: bars name their model, the frame fits the screen, the scrollback keeps only the log lines`, async () => {
      const cwd = project(CONFIG);
      await using terminal = await TmuxTerminal.start([await binaryPath(), "--config", "models.yaml"], { cwd, env: { HF_ENDPOINT: hub.url }, columns, rows });
      let framesSeen = 0;
      const inspect = (screen: string[]) => {
        if (frameOf(screen)) framesSeen++;
        expectWellFormedFrame(screen, terminal);
      };
      // More files are active than fit: the frame shows the busiest and counts the rest.
      await terminal.waitForScreen("a frame with hidden files", (screen) => (frameOf(screen)?.some((row) => row.startsWith("… and ")) ? true : undefined), inspect);
      await terminal.waitForScreen("the end of the run", (screen) => screen.find((row) => row.startsWith("EXIT=")), inspect);
      expect(framesSeen).toBeGreaterThan(0);

      const printed = (await terminal.everything()).filter((row) => row.trim() !== "");
      // No frame is left behind: not on the screen, not in the scrollback.
      expect(printed.filter((row) => BAR.test(row) || row.startsWith("… and "))).toEqual([]);
      const expected = [
        ...MODELS.map((id) => new RegExp(`^${id}: fetching ${FILES_PER_MODEL} files, [\\d.]+ [KM]iB$`)),
        ...MODELS.map((id) => new RegExp(`^${id}: downloaded ${FILES_PER_MODEL} files \\([\\d.]+ [KM]iB\\) at [0-9a-f]{12}, verified \\(sha256\\)$`)),
        /^total: fetched [\d.]+ MiB in .+ \(.+\/s\), 80 of 80 files$/,
        /^4 of 4 models ready in /,
        ...MODELS.map((id) => new RegExp(`^${id}\\s+${cwd}/cache/${id}$`)),
        /^EXIT=0$/,
      ];
      expect(printed).toHaveLength(expected.length);
      for (const pattern of expected) expect(printed.filter((row) => pattern.test(row))).toHaveLength(1);
      // Model-level lines come first, the total and the summary after every model, the results last, in config order.
      expect(printed.slice(0, 4).every((row) => row.includes(": fetching "))).toBe(true);
      expect(printed.slice(-6, -1).map((row) => row.split(/\s/)[0])).toEqual(["4", ...MODELS]);
    });
  }

  test("results piped to a program writing to the same terminal (| cat, | tee) come after the bars, none drawn over", async () => {
    const cwd = project(CONFIG);
    const command = `'${await binaryPath()}' --config models.yaml | cat`;
    await using terminal = await TmuxTerminal.start(["sh", "-c", command], { cwd, env: { HF_ENDPOINT: hub.url }, columns: 100, rows: 12 });
    await terminal.waitForScreen("a frame", (screen) => frameOf(screen));
    await terminal.waitForScreen("the end of the run", (screen) => screen.find((row) => row.startsWith("EXIT=")));
    const printed = (await terminal.everything()).filter((row) => row.trim() !== "");
    expect(printed.filter((row) => BAR.test(row) || row.startsWith("… and "))).toEqual([]);
    // Every result, last, in config order (tab-separated: stdout is a pipe).
    const results = printed.slice(-MODELS.length - 1, -1);
    expect(results.map((row) => row.split(/\s+/))).toEqual(MODELS.map((id) => [id, `${cwd}/cache/${id}`]));
  });

  test("Ctrl-C: the frame is cleared before the interrupt messages, and the cursor comes back", async () => {
    const cwd = project(CONFIG);
    await using terminal = await TmuxTerminal.start([await binaryPath(), "--config", "models.yaml"], { cwd, env: { HF_ENDPOINT: hub.url }, columns: 100, rows: 12 });
    await terminal.waitForScreen("a frame", (screen) => frameOf(screen));
    expect(await terminal.cursorVisible()).toBe(false);
    await terminal.sendKeys("C-c");
    await terminal.waitForScreen("the end of the run", (screen) => screen.find((row) => row.startsWith("EXIT=")));
    const printed = (await terminal.everything()).filter((row) => row.trim() !== "");
    expect(printed.filter((row) => BAR.test(row) || row.startsWith("… and "))).toEqual([]);
    expect(printed.at(-1)).toBe("EXIT=130");
    expect(await terminal.cursorVisible()).toBe(true);
    expect(printed.filter((row) => row.startsWith("error: ")).length).toBeGreaterThan(0);
    for (const row of printed.filter((row) => row.startsWith("error: "))) expect(row).toMatch(/^error: [\w-]+: Interrupted by SIGINT/);
  });
});

if (!tmuxPath) console.warn("skipping the terminal tests: tmux is not installed (apt-get install tmux)");
