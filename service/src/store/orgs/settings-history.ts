/** The history of settings changes: who changed what and when, through which door (API or CLI). */
import type { Knex } from 'knex';
import type { UserSettings } from './org-repository.js';

export interface SettingsActor {
  source: 'api' | 'cli';
  /** The Salesforce user id (API) or the operating-system user (CLI), when known. */
  id: string | null;
  name: string | null;
}

export interface SettingsChange {
  at: Date;
  version: number;
  actor: SettingsActor;
  before: UserSettings;
  after: UserSettings;
}

interface Row {
  at: Date;
  version: number;
  source: 'api' | 'cli';
  actor_id: string | null;
  actor_name: string | null;
  before: UserSettings;
  after: UserSettings;
}

export async function recordSettingsChange(
  knex: Knex,
  orgId: string,
  change: Omit<SettingsChange, 'at'>,
): Promise<void> {
  await knex('settings_changes').insert({
    org_id: orgId,
    version: change.version,
    source: change.actor.source,
    actor_id: change.actor.id,
    actor_name: change.actor.name,
    before: JSON.stringify(change.before),
    after: JSON.stringify(change.after),
  });
}

/** The latest changes first. */
export async function listSettingsChanges(
  knex: Knex,
  orgId: string,
  limit: number,
): Promise<SettingsChange[]> {
  const rows: Row[] = await knex('settings_changes')
    .where({ org_id: orgId })
    .orderBy('change_id', 'desc')
    .limit(limit);
  return rows.map((r) => ({
    at: r.at,
    version: r.version,
    actor: { source: r.source, id: r.actor_id, name: r.actor_name },
    before: r.before,
    after: r.after,
  }));
}
