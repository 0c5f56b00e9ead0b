import { readFileSync } from "node:fs";
import { availableParallelism, cpus, release, totalmem } from "node:os";

export type Machine = {
  readonly cpu: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly kernel: string;
  readonly bun: string;
  readonly disk: string;
};

export function describeMachine(workDir: string): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    bun: `${Bun.version} (${Bun.revision.slice(0, 9)})`,
    disk: filesystemOf(workDir),
  };
}

/** The filesystem type and device the outputs are written to, from /proc/mounts (longest matching mount point). */
function filesystemOf(path: string): string {
  try {
    const mounts = readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .map((line) => line.split(" "))
      .filter((fields) => fields.length > 2 && (path === fields[1] || path.startsWith(fields[1] === "/" ? "/" : `${fields[1]}/`)));
    const best = mounts.sort((a, b) => b[1]!.length - a[1]!.length)[0];
    return best ? `${best[2]} on ${best[0]}` : "unknown";
  } catch {
    return "unknown";
  }
}

export function formatMachine(machine: Machine): string {
  return `${machine.cpu}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM, Linux ${machine.kernel}, Bun ${machine.bun}, outputs on ${machine.disk}`;
}
