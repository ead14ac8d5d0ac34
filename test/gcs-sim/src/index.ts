/**
 * gcs-sim: a Google Cloud Storage JSON-API test server for the real `@google-cloud/storage`
 * client (point it at `url` through `apiEndpoint` or `STORAGE_EMULATOR_HOST`).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFaultRules, type FaultRuleInput } from './faults.js';
import { GcsSimHandler, type SimStats } from './server.js';
import { SimState } from './state.js';

export type { FaultRuleInput } from './faults.js';
export type { SimStats } from './server.js';

export interface GcsSimOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Persist buckets and objects here (loaded again on the next start); in memory when absent. */
  dir?: string;
}

export interface GcsSim {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  close(): Promise<void>;
  /** While on, every API request answers 503. */
  setOutage(on: boolean): void;
  /** Adds fault rules (see FaultRuleInput); bad rules throw with the reason. */
  injectErrors(rules: FaultRuleInput[]): void;
  clearErrors(): void;
  stats(): SimStats;
}

export async function startGcsSim(options: GcsSimOptions = {}): Promise<GcsSim> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`gcs-sim: port must be an integer 0-65535, got ${port}`);
  const state = new SimState(options.dir);
  const handler = new GcsSimHandler(state);
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, handler.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${bound}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    setOutage(on) {
      handler.faults.outage = on;
    },
    injectErrors(rules) {
      handler.faults.add(parseFaultRules(rules));
    },
    clearErrors() {
      handler.faults.clear();
    },
    stats() {
      return structuredClone(handler.stats);
    },
  };
}
