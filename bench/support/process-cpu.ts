/** CPU time of one PostgreSQL server (its postmaster and every backend it forked), read from Linux /proc. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** stat fields after the command name: state ppid … utime(11) stime(12) cutime(13) cstime(14). */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined; // gone meanwhile
  }
}

/**
 * CPU seconds used so far by the server whose data directory is `dataDir`: the postmaster (with its reaped
 * children) plus its live children; null where /proc or the pid file cannot be read. Other PostgreSQL servers on
 * the machine (tests running meanwhile) are not counted.
 */
export function postgresServerCpuSeconds(dataDir: string): number | null {
  let postmaster: string;
  try {
    postmaster = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
  } catch {
    return null;
  }
  const own = statFields(postmaster);
  if (!own) return null;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid) || pid === postmaster) continue;
      const fields = statFields(pid);
      if (fields && fields[1] === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return null;
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}
