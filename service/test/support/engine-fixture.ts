/** Test support: registers a simulated org in a test database and opens an engine context for it. */
import { readFileSync } from 'node:fs';
import type { Knex } from 'knex';
import type { Simulator } from '../../../test/sf-sim/src/index.js';
import {
  DEFAULT_ENGINE_OPTIONS,
  type EngineContext,
  type EngineOptions,
} from '../../src/backup/engine-context.js';
import { connectOrg } from '../../src/backup/org-connection.js';
import { registerOrg } from '../../src/backup/org-registration.js';
import { createLogger } from '../../src/logger.js';
import type { BlobStore } from '../../src/store/blob/blob-store.js';
import { findOrg } from '../../src/store/orgs/org-repository.js';

export const TEST_MASTER_KEY = Buffer.alloc(32, 7);
const logger = createLogger('silent');

/** `orgs add` for the simulator's org (JWT bearer with its key); returns the service key. */
export async function registerSimOrg(
  sim: Simulator,
  knex: Knex,
  options: { paused?: boolean } = {},
): Promise<{ orgId: string; serviceKey: string }> {
  return registerOrg(
    {
      instanceUrl: sim.url,
      loginUrl: sim.url,
      clientId: sim.clientId,
      privateKey: readFileSync(sim.privateKeyPath, 'utf8'),
      username: sim.username,
      ...(options.paused ? { paused: true } : {}),
    },
    { knex, masterKey: TEST_MASTER_KEY, logger },
  );
}

export async function engineFor(
  sim: Simulator,
  knex: Knex,
  blobs: BlobStore,
  options: Partial<EngineOptions> = {},
): Promise<EngineContext> {
  const org = await findOrg(knex, sim.orgId);
  if (!org) throw new Error(`org ${sim.orgId} is not registered in this database`);
  return {
    org,
    session: await connectOrg(org, TEST_MASTER_KEY, logger),
    store: { knex, blobs },
    logger,
    options: { ...DEFAULT_ENGINE_OPTIONS, ...options },
  };
}
