/** The `orgs` rows: one registered org each, with its connection settings and the user's backup settings. */
import type { Knex } from 'knex';
import type { StoredSecret } from '../../secrets/secret-ref.js';

export type BackupMode = 'objects_and_files' | 'objects_only' | 'paused';
export type BackupSchedule = 'daily' | 'continuous';

/** How the service authenticates to the org; secrets are references or sealed, never plain. */
export type StoredOrgAuth =
  | { kind: 'jwt'; clientId: string; username: string; privateKey: StoredSecret }
  | { kind: 'client-credentials'; clientId: string; clientSecret: StoredSecret };

export interface OrgRecord {
  orgId: string;
  instanceUrl: string;
  loginUrl: string;
  auth: StoredOrgAuth;
  mode: BackupMode;
  schedule: BackupSchedule;
  exclusions: string[];
  apiBudgetShare: number;
  enabled: boolean;
  lastScanAt: Date | null;
  createdAt: Date;
  /** Goes up by one with every settings change (the API's ETag). */
  settingsVersion: number;
}

interface OrgRow {
  org_id: string;
  instance_url: string | null;
  login_url: string | null;
  auth: StoredOrgAuth;
  mode: BackupMode;
  schedule: BackupSchedule;
  exclusions: string[];
  api_budget_share: number;
  enabled: boolean;
  last_scan_at: Date | null;
  created_at: Date;
  settings_version: number;
}

function fromRow(row: OrgRow): OrgRecord {
  return {
    orgId: row.org_id,
    instanceUrl: row.instance_url ?? '',
    loginUrl: row.login_url ?? '',
    auth: row.auth,
    mode: row.mode,
    schedule: row.schedule,
    exclusions: row.exclusions,
    apiBudgetShare: row.api_budget_share,
    enabled: row.enabled,
    lastScanAt: row.last_scan_at,
    createdAt: row.created_at,
    settingsVersion: row.settings_version,
  };
}

export class OrgAlreadyRegisteredError extends Error {
  constructor(readonly orgId: string) {
    super(`org ${orgId} is already registered`);
    this.name = 'OrgAlreadyRegisteredError';
  }
}

export async function insertOrg(
  knex: Knex,
  org: Pick<OrgRecord, 'orgId' | 'instanceUrl' | 'loginUrl' | 'auth' | 'enabled'> &
    Partial<Pick<OrgRecord, 'apiBudgetShare'>>,
): Promise<void> {
  const inserted = await knex('orgs')
    .insert({
      org_id: org.orgId,
      instance_url: org.instanceUrl,
      login_url: org.loginUrl,
      auth: JSON.stringify(org.auth),
      enabled: org.enabled,
      ...(org.apiBudgetShare !== undefined ? { api_budget_share: org.apiBudgetShare } : {}),
    })
    .onConflict('org_id')
    .ignore()
    .returning('org_id');
  if (inserted.length === 0) {
    // An org recreated by rebuild-index has no connection settings yet: registering it again fills them in.
    const updated = await knex('orgs')
      .where({ org_id: org.orgId })
      .whereNull('instance_url')
      .update({
        instance_url: org.instanceUrl,
        login_url: org.loginUrl,
        auth: JSON.stringify(org.auth),
        enabled: org.enabled,
        updated_at: knex.fn.now(),
      });
    if (updated === 0) throw new OrgAlreadyRegisteredError(org.orgId);
  }
}

export async function findOrg(knex: Knex, orgId: string): Promise<OrgRecord | undefined> {
  const row = await knex<OrgRow>('orgs').where({ org_id: orgId }).first();
  return row ? fromRow(row) : undefined;
}

/** The registered org a 15- or 18-character id names, in one read, or undefined. */
export async function findOrgByAnyId(knex: Knex, orgId: string): Promise<OrgRecord | undefined> {
  if (orgId.length === 18) return findOrg(knex, orgId);
  const row = await knex<OrgRow>('orgs').whereRaw('left(org_id, 15) = ?', [orgId]).first();
  return row ? fromRow(row) : undefined;
}

export async function listOrgs(knex: Knex): Promise<OrgRecord[]> {
  const rows = await knex<OrgRow>('orgs').orderBy('created_at').orderBy('org_id');
  return rows.map(fromRow);
}

export async function updateOrgSettings(
  knex: Knex,
  orgId: string,
  changes: Partial<Pick<OrgRecord, 'mode' | 'schedule' | 'exclusions' | 'enabled' | 'lastScanAt'>>,
): Promise<void> {
  const row: Record<string, unknown> = { updated_at: knex.fn.now() };
  if (changes.mode !== undefined) row.mode = changes.mode;
  if (changes.schedule !== undefined) row.schedule = changes.schedule;
  if (changes.exclusions !== undefined) row.exclusions = JSON.stringify(changes.exclusions);
  if (changes.enabled !== undefined) row.enabled = changes.enabled;
  if (changes.lastScanAt !== undefined) row.last_scan_at = changes.lastScanAt;
  await knex('orgs').where({ org_id: orgId }).update(row);
}

export async function setOrgEnabled(knex: Knex, orgId: string): Promise<void> {
  await knex('orgs').where({ org_id: orgId }).update({ enabled: true, updated_at: knex.fn.now() });
}

export type UserSettings = Pick<OrgRecord, 'mode' | 'schedule' | 'exclusions'> &
  Partial<Pick<OrgRecord, 'apiBudgetShare'>>; // absent in history rows written before the budget share existed

/**
 * Replaces the user's settings when they are still at `expectedVersion` (compare-and-set); returns the new
 * version, or null when someone changed them in between (nothing is written then).
 */
export async function replaceOrgSettings(
  knex: Knex,
  orgId: string,
  expectedVersion: number,
  settings: UserSettings,
): Promise<number | null> {
  const rows = await knex('orgs')
    .where({ org_id: orgId, settings_version: expectedVersion })
    .update({
      mode: settings.mode,
      schedule: settings.schedule,
      exclusions: JSON.stringify(settings.exclusions),
      ...(settings.apiBudgetShare !== undefined ? { api_budget_share: settings.apiBudgetShare } : {}),
      settings_version: knex.raw('settings_version + 1'),
      updated_at: knex.fn.now(),
    })
    .returning<Array<{ settings_version: number }>>('settings_version');
  return rows[0]?.settings_version ?? null;
}

/** Where the org is reached (its My Domain moved, or a simulator restarted on another port). */
export async function updateOrgConnection(
  knex: Knex,
  orgId: string,
  where: { instanceUrl: string; loginUrl: string },
): Promise<void> {
  await knex('orgs')
    .where({ org_id: orgId })
    .update({ instance_url: where.instanceUrl, login_url: where.loginUrl, updated_at: knex.fn.now() });
}
