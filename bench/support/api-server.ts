/**
 * The service under test for bench/api.bench.ts, in a process of its own (so its CPU is its own): exactly what
 * `autobackup serve --no-backup` runs (startService), listening on a free loopback port. It talks to its parent
 * over IPC: it sends {ready, url} once listening, answers {cpu} with process.cpuUsage(), and exits on {stop}.
 *
 * Environment: DATABASE_URL, STORAGE_URL, AUTOBACKUP_HOME, AUTOBACKUP_RATE_LIMIT, LOG_LEVEL (as the service reads them).
 */
import { openDatabase, openRuntime } from '../../service/src/runtime.js';
import { startService } from '../../service/src/serve.js';

export type ServerMessage =
  { type: 'ready'; url: string } | { type: 'cpu'; user: number; system: number; rss: number };
export type ParentMessage = { type: 'cpu' } | { type: 'stop' };

const runtime = await openDatabase(openRuntime());
if (!runtime.config.databaseUrl) throw new Error('api-server: DATABASE_URL is not set');
const service = await startService(runtime, { host: '127.0.0.1', port: 0, backup: false });
const send = (message: ServerMessage) => process.send!(message);

process.on('message', (message: ParentMessage) => {
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', user, system, rss: process.memoryUsage.rss() });
  } else if (message.type === 'stop') {
    void service
      .stop()
      .then(() => runtime.lifecycle.shutdown())
      .then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', url: service.server.url });
