/**
 * One simulated org in a process of its own, for bench/scale-out.bench.ts: the org simulator
 * (test/sf-sim, startSimulator) on a free loopback port, so its CPU is its own and not the bench's.
 * Forked with an IPC channel; the options come as one JSON argument (SimProcessOptions). Once listening it
 * sends {ready, start, records, objects}: the simulator's start line (docs/CONTRACTS.md) and the records the
 * org holds, counted through the org's own API (every object the integration user can read).
 *
 * It stops on SIGTERM or SIGINT, and on its own when the parent goes away (the IPC channel closes), so a
 * bench that dies leaves no simulator behind.
 */
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

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void sim.close().finally(() => process.exit(0));
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
process.send!({ type: 'ready', start: sim.startLine(), records, objects } satisfies SimProcessMessage);
