/**
 * One simulated org in a process of its own, for bench/scale-out.bench.ts: the org simulator
 * (test/sf-sim, startSimulator) on a free loopback port, so its CPU is its own and not the bench's.
 * Forked with an IPC channel; the options come as one JSON argument (SimProcessOptions). Once listening it
 * sends {ready, start, records, objects}: the simulator's start line (docs/CONTRACTS.md) and the records the
 * org holds, counted through the org's own API (every object the integration user can read).
 *
 * It stops on SIGTERM or SIGINT, and on its own when the parent goes away (the IPC channel closes), so a
 * bench that dies leaves no simulator behind.
 *
 * With BENCH_SIM_CPU_PROFILE=<dir> set, it profiles its own CPU from the moment it is ready (seeding left out)
 * until it stops, and writes `<dir>/sim-<pid>.cpuprofile` (V8's format: Chrome DevTools, speedscope) and
 * `<dir>/sim-<pid>.threads.json`, the CPU seconds of each of its threads (Linux): the profile sees only the
 * JavaScript thread, not zlib's compression in libuv's pool or the garbage collector's helpers.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { startSimulator } from '../../test/sf-sim/src/index.js';
import type { SeedName } from '../../test/sf-sim/src/org/api.js';

export interface SimProcessOptions {
  seed: SeedName;
  seedValue: string;
  /** Rows of the generated Bench__c (0 = none). */
  records: number;
  stateDir: string;
}

export type SimProcessMessage = {
  type: 'ready';
  start: Record<string, string>;
  /** Records of the org (live rows, every readable object) and how many objects hold any. */
  records: number;
  objects: number;
};

const options = JSON.parse(process.argv[2] ?? '{}') as SimProcessOptions;
const sim = await startSimulator({
  seed: options.seed,
  seedValue: options.seedValue,
  records: options.records,
  stateDir: options.stateDir,
});

const profileDir = process.env.BENCH_SIM_CPU_PROFILE;
const profiler = profileDir ? new Session() : null;

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void writeProfile()
    .then(() => sim.close())
    .finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);

const global = sim.org.describeGlobal().body as { sobjects: Array<{ name: string }> };
let records = 0;
let objects = 0;
for (const { name } of global.sobjects) {
  const n = sim.org.recordCount(name) ?? 0;
  records += n;
  if (n > 0) objects += 1;
}
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}
process.send!({ type: 'ready', start: sim.startLine(), records, objects } satisfies SimProcessMessage);

async function writeProfile(): Promise<void> {
  if (!profiler || !profileDir) return;
  const { profile } = await profiler.post('Profiler.stop');
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(path.join(profileDir, `sim-${process.pid}.cpuprofile`), JSON.stringify(profile));
  writeFileSync(path.join(profileDir, `sim-${process.pid}.threads.json`), JSON.stringify(threadCpu()));
}

/** CPU seconds (user + system, since the thread started) of each thread of this process, by thread name. */
function threadCpu(): Array<{ thread: string; seconds: number }> {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  return tids.map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the parenthesised name: state is field 3, utime 14 and stime 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { thread: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: ticks / 100 };
  });
}
