/** Opens everything one org's backup work needs, from a registered org id. */
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { ApiGovernor, DEFAULT_BUDGET_RULES } from '../salesforce/api-governor.js';
import { loadMasterKey } from '../secrets/master-key.js';
import type { BlobStore } from '../store/blob/blob-store.js';
import { PgApiLedger } from '../store/budget/api-ledger.js';
import { openBlobStore } from '../store/blob/open-blob-store.js';
import { findOrgByAnyId, type OrgRecord } from '../store/orgs/org-repository.js';
import type { StoreContext } from '../store/store-context.js';
import { DEFAULT_ENGINE_OPTIONS, type EngineContext, type EngineOptions } from './engine-context.js';
import { connectOrg } from './org-connection.js';

export class OrgNotRegisteredError extends Error {
  constructor(readonly orgId: string) {
    super(`org ${orgId} is not registered; add it with "autobackup orgs add"`);
    this.name = 'OrgNotRegisteredError';
  }
}

export function openStore(config: Config, knex: Knex, logger: Logger): StoreContext {
  const blobs: BlobStore = openBlobStore(config.storageUrl, { logger: logger.child({ type: 'blob-store' }) });
  return { knex, blobs };
}

/** The engine's options: its defaults, what the configuration sets (lag, Bulk threshold), then `overrides`. */
export function engineOptionsFor(config: Config, overrides: Partial<EngineOptions> = {}): EngineOptions {
  return {
    ...DEFAULT_ENGINE_OPTIONS,
    lagMs: config.lagSeconds * 1000,
    bulkThreshold: config.bulkThreshold,
    ...overrides,
  };
}

/** The registered org a 15- or 18-character id names; OrgNotRegisteredError when there is none. */
export async function findRegisteredOrg(knex: Knex, orgId: string): Promise<OrgRecord> {
  const org = await findOrgByAnyId(knex, orgId);
  if (!org) throw new OrgNotRegisteredError(orgId);
  return org;
}

export async function openEngine(
  deps: { config: Config; knex: Knex; logger: Logger },
  orgId: string,
  options: Partial<EngineOptions> = {},
): Promise<EngineContext> {
  const org = await findRegisteredOrg(deps.knex, orgId);
  const masterKey = await loadMasterKey(deps.config);
  const logger = deps.logger.child({ orgId: org.orgId });
  const session = await connectOrg(org, masterKey, logger);
  // Every call of the org's work asks the API budget governor first (shared by all replicas through PostgreSQL).
  session.governWith(
    new ApiGovernor(new PgApiLedger(deps.knex), org.orgId, {
      ...DEFAULT_BUDGET_RULES,
      filesShare: deps.config.filesBudgetShare,
    }),
  );
  return {
    org,
    session,
    store: openStore(deps.config, deps.knex, logger),
    logger,
    options: engineOptionsFor(deps.config, options),
  };
}
