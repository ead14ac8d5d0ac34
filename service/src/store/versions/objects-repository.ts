/** The `objects` rows the version index hangs off: one per org and sObject, with a small surrogate key. */
import type { Knex } from 'knex';
import { assertObjectName, assertOrgId } from '../packs/pack-keys.js';

export class UnknownOrgError extends Error {
  constructor(readonly orgId: string) {
    super(`org ${orgId} is not registered`);
    this.name = 'UnknownOrgError';
  }
}

/** The object's key, creating its row on first use. Rejects when the org is not registered. */
export async function ensureObjectKey(knex: Knex, orgId: string, object: string): Promise<number> {
  assertOrgId(orgId);
  assertObjectName(object);
  const existing = await knex('objects')
    .where({ org_id: orgId, name: object })
    .first<{ object_key: number } | undefined>('object_key');
  if (existing) return existing.object_key;
  const org = await knex('orgs').where({ org_id: orgId }).first('org_id');
  if (!org) throw new UnknownOrgError(orgId);
  await knex('objects').insert({ org_id: orgId, name: object }).onConflict(['org_id', 'name']).ignore();
  const row = await knex('objects')
    .where({ org_id: orgId, name: object })
    .first<{ object_key: number }>('object_key');
  return row.object_key;
}

/** The object's key, or null when nothing was ever recorded for it. */
export async function findObjectKey(knex: Knex, orgId: string, object: string): Promise<number | null> {
  const row = await knex('objects')
    .where({ org_id: orgId, name: object })
    .first<{ object_key: number } | undefined>('object_key');
  return row?.object_key ?? null;
}
