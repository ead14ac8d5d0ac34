import type { AddressInfo } from 'node:net';
import type { SeedName, SimOrg } from './org/api.js';
import { createOrg } from './org/create-org.js';
import { startInfo } from './http/admin.js';
import { BulkJobs } from './http/bulk-jobs.js';
import { LongRequestLimit } from './http/concurrency.js';
import type { SimContext } from './http/context.js';
import { loadOrCreateCredentials } from './http/credentials.js';
import { FaultInjector } from './http/faults.js';
import { ApiLimits, DEFAULT_DAILY_API_REQUESTS } from './http/limits.js';
import { createWireServer } from './http/server.js';
import { SessionStore } from './http/sessions.js';
import { CallStats } from './http/stats.js';
import { RequestLog } from './http/request-log.js';

/**
 * Starts a simulated Salesforce org behind a real HTTP server on 127.0.0.1 (docs/CONTRACTS.md,
 * "The org simulator"). Used by `npm run sim` and, in-process, by test suites:
 *
 *   const sim = await startSimulator({ seed: 'small' });
 *   // sim.url, sim.clientId, sim.privateKeyPath … ; sim.org for in-process access
 *   await sim.close();
 */
export const API_VERSION = '62.0';

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  seed?: SeedName;
  seedValue?: string | number;
  /** Rows of the generated custom object Bench__c (0 = none). */
  records?: number;
  orgId?: string;
  stateDir?: string;
  /** Background changes per simulated minute. */
  churn?: number;
  username?: string;
  /** Daily API request allocation (default 100,000). */
  dailyApiRequests?: number;
}

export interface Simulator {
  url: string;
  orgId: string;
  username: string;
  clientId: string;
  clientSecret: string;
  privateKeyPath: string;
  apiVersion: string;
  /** The in-process org, for tests that want to look behind the wire. */
  org: SimOrg;
  /** The wire side's state (sessions, limits, faults, Bulk jobs, stats). */
  context: SimContext;
  /** The start-line object of CONTRACTS.md. */
  startLine(): Record<string, string>;
  close(): Promise<void>;
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const org = await createOrg({
    seed: opts.seed ?? 'small',
    ...(opts.seedValue !== undefined ? { seedValue: opts.seedValue } : {}),
    ...(opts.records !== undefined ? { records: opts.records } : {}),
    ...(opts.orgId !== undefined ? { orgId: opts.orgId } : {}),
    ...(opts.stateDir !== undefined ? { stateDir: opts.stateDir } : {}),
    ...(opts.churn !== undefined ? { churnPerMinute: opts.churn } : {}),
    ...(opts.username !== undefined ? { username: opts.username } : {}),
  });
  const now = (): number => org.clock.nowMs();
  let bulk: BulkJobs | undefined;
  try {
    bulk = new BulkJobs(org);
    const ctx: SimContext = {
      org,
      credentials: loadOrCreateCredentials(org),
      sessions: new SessionStore(org.org15, now),
      limits: new ApiLimits(now, opts.dailyApiRequests ?? DEFAULT_DAILY_API_REQUESTS),
      concurrency: new LongRequestLimit(now),
      faults: new FaultInjector(org.seedValue),
      stats: new CallStats(),
      requests: new RequestLog(),
      bulk,
      baseUrl: '',
      apiVersion: API_VERSION,
    };
    const server = createWireServer(ctx);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    ctx.baseUrl = `http://127.0.0.1:${port}`;
    let closed: Promise<void> | undefined;
    const info = startInfo(ctx);
    return {
      url: ctx.baseUrl,
      orgId: org.orgId,
      username: org.integrationUser.username,
      clientId: ctx.credentials.clientId,
      clientSecret: ctx.credentials.clientSecret,
      privateKeyPath: ctx.credentials.privateKeyPath,
      apiVersion: API_VERSION,
      org,
      context: ctx,
      startLine: () => ({ ...info }),
      close: () => {
        closed ??= (async () => {
          ctx.faults.clear();
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
          ctx.bulk.close();
          await org.close();
        })();
        return closed;
      },
    };
  } catch (err) {
    bulk?.close();
    await org.close();
    throw err;
  }
}
