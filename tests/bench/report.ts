/** The results as a markdown table (printed, and quoted by the README) and as JSON. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatMachine, type Machine } from "./machine.ts";
import type { Summary } from "./measure.ts";
import { status, type Target } from "./targets.ts";

export type ToolResult = {
  readonly tool: string;
  /** What the tool checks about the bytes it wrote. */
  readonly verifies: string;
  readonly summary: Summary;
  /** Payload bytes per run, for the throughput column. */
  readonly bytes?: number;
  /** Anything worth keeping from the runs (hub request counts, settings). */
  readonly details?: Record<string, unknown>;
};

export type ScenarioResult = {
  readonly id: number;
  readonly title: string;
  readonly setup: string;
  readonly tools: readonly ToolResult[];
  readonly targets: readonly Target[];
  readonly notes: readonly string[];
};

export type BenchReport = {
  readonly date: string;
  readonly command: string;
  readonly commit: string;
  /** MODEL_MANAGER_* variables in effect: the engine ran with these instead of its defaults. */
  readonly engineOverrides: Record<string, string>;
  readonly machine: Machine;
  readonly pageCache: string;
  readonly scenarios: readonly ScenarioResult[];
};

const OURS = "model-manager";

export function renderMarkdown(report: BenchReport): string {
  const lines = [
    `Machine: ${formatMachine(report.machine)}.`,
    `Commit ${report.commit}, ${report.date}. Reproduce: \`${report.command}\`.`,
    `Page cache: ${report.pageCache}`,
    ...(Object.keys(report.engineOverrides).length > 0 ? [`Engine overrides: ${Object.entries(report.engineOverrides).map(([k, v]) => `${k}=${v}`).join(" ")}`] : []),
    "",
    "| # | scenario | tool | verifies | runs | median wall | spread | throughput | peak RSS | CPU time | model-manager vs tool |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const scenario of report.scenarios) {
    const ours = scenario.tools.find((tool) => tool.tool === OURS);
    for (const tool of scenario.tools) {
      const { summary } = tool;
      const ratio = ours && tool !== ours ? `${(ours.summary.medianMs / summary.medianMs).toFixed(2)} ×` : "";
      lines.push(
        `| ${scenario.id} | ${scenario.title} | ${tool.tool} | ${tool.verifies} | ${summary.runs} | ${formatMs(summary.medianMs)} | ` +
          `${formatMs(summary.minMs)}–${formatMs(summary.maxMs)} | ${tool.bytes ? formatRate(tool.bytes, summary.medianMs) : ""} | ` +
          `${formatMiB(summary.maxRssBytes)} | ${formatMs(summary.medianCpuMs)} | ${ratio} |`,
      );
    }
  }
  lines.push("", "| # | target | measured | status |", "|---|---|---|---|");
  for (const scenario of report.scenarios) {
    for (const target of scenario.targets) lines.push(`| ${target.scenario} | ${target.description} | ${target.measured} | ${status(target)} |`);
  }
  const notes = report.scenarios.flatMap((scenario) => scenario.notes.map((note) => `- (${scenario.id}) ${note}`));
  const setups = report.scenarios.map((scenario) => `- (${scenario.id}) ${scenario.setup}`);
  lines.push("", "Setups:", ...setups);
  if (notes.length > 0) lines.push("", "Notes:", ...notes);
  return `${lines.join("\n")}\n`;
}

export function writeReport(directory: string, name: string, report: BenchReport): { markdown: string; json: string } {
  mkdirSync(directory, { recursive: true });
  const markdown = join(directory, `${name}.md`);
  const json = join(directory, `${name}.json`);
  writeFileSync(markdown, renderMarkdown(report));
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  return { markdown, json };
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function formatRate(bytes: number, ms: number): string {
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
