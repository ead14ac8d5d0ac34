/**
 * Identifies a live process by pid plus its kernel start time, so a pid reused by an unrelated
 * process after a crash is not mistaken for the autobackup process that registered it.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** The process start time in clock ticks since boot (field 22 of /proc/<pid>/stat), or null if gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return afterName[19] ?? null;
  } catch {
    return null;
  }
}

export function isProcessAlive(pid: number, startTime?: string): boolean {
  const actual = processStartTime(pid);
  if (actual === null) return false;
  return startTime === undefined || actual === startTime;
}

/**
 * What makes pids comparable: the kernel boot and the pid namespace. Containers repeat hostnames and pids in
 * separate pid namespaces, so a hostname alone would let one replica mistake another's live process for a dead
 * one of its own. Null where /proc does not tell (then no holder is ever declared dead by its pid).
 */
export function pidNamespaceIdentity(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const namespace = readlinkSync('/proc/self/ns/pid');
    return `${boot}/${namespace}`;
  } catch {
    return null;
  }
}
