import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: number[], digits = 1) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(digits));
  const mean = sorted.reduce((sum, value) => sum + value, 0) / (sorted.length || 1);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(mean),
  };
}

export const rate = (count: number, seconds: number) => Math.round(count / seconds);
export const ratio = (a: number, b: number, digits = 2) => Number((a / b).toFixed(digits));

const TICKS_PER_SECOND = 100;

function readStat(pid: number): { ppid: number; own: number; children: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself contain spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    const number = (index: number) => Number(fields[index - 3]);
    return { ppid: number(4), own: number(14) + number(15), children: number(16) + number(17) };
  } catch {
    return null;
  }
}

/** CPU seconds used by a process, its live children and the children it has already reaped. */
export function cpuSeconds(pid: number): number {
  const root = readStat(pid);
  if (!root) return 0;
  let ticks = root.own + root.children;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat?.ppid === pid) ticks += stat.own;
  }
  return ticks / TICKS_PER_SECOND;
}

/** Busy CPU seconds of the whole machine (every core), for the share nobody here accounts for. */
export function machineBusySeconds(): number {
  const [, ...values] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
  // user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
  const [user, nice, system, , , irq, softirq, steal] = values.map(Number) as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}

/** Peak resident memory of a live process (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Measures CPU seconds per named process over an interval, plus the machine's total. */
export function startCpuMeter(pids: Record<string, number>) {
  const read = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)])),
    bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    machine: machineBusySeconds(),
  });
  const start = read();
  const startedAt = performance.now();
  return () => {
    const end = read();
    const seconds = (performance.now() - startedAt) / 1000;
    const used = Object.fromEntries(
      Object.keys(end).map((name) => [name, Number((end[name]! - start[name]!).toFixed(1))]),
    );
    const accounted = Object.entries(used)
      .filter(([name]) => name !== "machine")
      .reduce((sum, [, value]) => sum + value, 0);
    return {
      wallSeconds: Number(seconds.toFixed(1)),
      cpuSeconds: { ...used, other: Number((used.machine! - accounted).toFixed(1)) } as Record<
        string,
        number
      >,
      /** Of the machine's cores (2 here): 1.0 = every core busy the whole time. */
      machineUtilisation: ratio(used.machine!, seconds * availableParallelism()),
    };
  };
}

/** CPU milliseconds per unit of work, per process: unlike rates, barely moved by other load. */
export function cpuMsPer(cpuSeconds: Record<string, number>, count: number): Record<string, number> {
  const ours = Object.entries(cpuSeconds).filter(([name]) => name !== "machine" && name !== "other");
  const perItem = ours.map(
    ([name, seconds]) => [name, Number(((seconds * 1000) / count).toFixed(2))] as const,
  );
  const total = perItem.reduce((sum, [, ms]) => sum + ms, 0);
  return { ...Object.fromEntries(perItem), total: Number(total.toFixed(2)) };
}
