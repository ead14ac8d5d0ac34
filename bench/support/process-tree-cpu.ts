/**
 * CPU time from Linux /proc for benchmarks that run their subjects as child processes: per process tree (a
 * process and every live descendant, with the children each has reaped), and for the whole machine, so a
 * benchmark can tell its own processes' CPU from what the rest of a shared machine used meanwhile.
 * (A PostgreSQL server is measured by bench/support/process-cpu.ts, from its data directory.)
 */
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: clock ticks per second in /proc figures (100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime: its own CPU and that of the children it has waited for. */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state ppid pgrp … utime(index 11) stime(12) cutime(13) cstime(14).
    const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/**
 * CPU seconds used so far by each tree rooted at `roots` (one /proc scan for all of them); null for a root that
 * is gone or where /proc cannot be read. A descendant that exited is counted once its parent reaped it.
 */
export function processTreesCpuSeconds(roots: readonly number[]): Map<number, number | null> {
  const out = new Map<number, number | null>(roots.map((pid) => [pid, null]));
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return out;
  }
  const stats = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) continue;
    stats.set(pid, stat);
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  for (const root of roots) {
    if (!stats.has(root)) continue;
    let ticks = 0;
    const stack = [root];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      ticks += stats.get(pid)?.ticks ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    out.set(root, ticks / TICKS_PER_SECOND);
  }
  return out;
}

/** The machine's CPU seconds so far, over all its cores: busy (user, nice, system, irq, softirq, steal) and total. */
export function machineCpuSeconds(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .split(/\s+/)
      .slice(1, 9)
      .map((n) => Number(n) || 0) as [number, number, number, number, number, number, number, number];
    const busy = user + nice + system + irq + softirq + steal;
    return { busy: busy / TICKS_PER_SECOND, total: (busy + idle + iowait) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}
