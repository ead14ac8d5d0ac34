/**
 * Settings as both doors change them. Every change names the version it was based on: the API's PUT carries it
 * (If-Match or the body's `version`, since it must survive GET → LWC → PUT across Apex transactions), the CLI
 * reads it just before. A change based on an older version is refused whole (SETTINGS_CHANGED), so two admins
 * never overwrite each other silently; each stored change is logged with who made it.
 */
import { findRegisteredOrg } from '../backup/engine-factory.js';
import { saveSettings, validateSettingsChange, type Settings } from '../backup/settings.js';
import { setOrgEnabled, type OrgRecord } from '../store/orgs/org-repository.js';
import {
  listSettingsChanges,
  type SettingsActor,
  type SettingsChange,
} from '../store/orgs/settings-history.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';

export interface VersionedSettings extends Settings {
  version: number;
}

function view(
  org: Pick<OrgRecord, 'mode' | 'schedule' | 'exclusions' | 'apiBudgetShare' | 'settingsVersion'>,
): VersionedSettings {
  return {
    mode: org.mode,
    schedule: org.schedule,
    exclusions: org.exclusions,
    apiBudgetShare: org.apiBudgetShare,
    version: org.settingsVersion,
  };
}

export async function getSettings(ctx: AppContext, orgId: string): Promise<VersionedSettings> {
  return view(await findRegisteredOrg(ctx.store.knex, orgId));
}

function staleVersion(current: number, given: number): AppError {
  return new AppError(
    'SETTINGS_CHANGED',
    `the settings were changed since version ${given} was read (they are at version ${current} now); reload them and apply the change again`,
  );
}

/**
 * Applies `change` (any of mode, schedule, exclusions, apiBudgetShare) to the settings at `basedOn`; returns the stored
 * settings. Nothing is written when the values are already what they would become.
 */
export async function changeSettings(
  ctx: AppContext,
  orgId: string,
  change: Record<string, unknown>,
  options: { basedOn: number; actor: SettingsActor },
): Promise<VersionedSettings> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  if (options.basedOn !== org.settingsVersion) throw staleVersion(org.settingsVersion, options.basedOn);
  const next = await validateSettingsChange(ctx.store.knex, org, change);
  const unchanged =
    next.mode === org.mode &&
    next.schedule === org.schedule &&
    next.apiBudgetShare === org.apiBudgetShare &&
    JSON.stringify(next.exclusions) === JSON.stringify(org.exclusions);
  if (unchanged) return view(org);
  const version = await saveSettings(ctx.store.knex, org, next, {
    expectedVersion: options.basedOn,
    actor: options.actor,
  });
  if (version === null) {
    const now = await findRegisteredOrg(ctx.store.knex, orgId);
    throw staleVersion(now.settingsVersion, options.basedOn);
  }
  ctx.logger.info(
    { type: 'settings', orgId: org.orgId, version, source: options.actor.source, actorId: options.actor.id },
    'settings changed',
  );
  return { ...next, version };
}

/**
 * The API's PUT: replaces mode, schedule and exclusions, and the budget share when given. The version comes from If-Match or the body; when both
 * are given they must agree, and one of them is required.
 */
export async function replaceSettings(
  ctx: AppContext,
  orgId: string,
  body: Omit<Settings, 'apiBudgetShare'> & {
    apiBudgetShare?: number | undefined;
    version?: number | undefined;
  },
  options: { ifMatch?: number | undefined; actor: SettingsActor },
): Promise<VersionedSettings> {
  const basedOn = options.ifMatch ?? body.version;
  if (basedOn === undefined)
    throw new AppError(
      'PRECONDITION_REQUIRED',
      'settings: say which version the change is based on (the "version" from GET, in the body or as If-Match)',
    );
  if (options.ifMatch !== undefined && body.version !== undefined && options.ifMatch !== body.version)
    throw new AppError(
      'SETTINGS_CHANGED',
      `If-Match names version ${options.ifMatch} but the body names version ${body.version}`,
    );
  // The budget share is optional: a PUT without it (an older package) leaves it as it is.
  const { mode, schedule, exclusions, apiBudgetShare } = body;
  const change = { mode, schedule, exclusions, ...(apiBudgetShare !== undefined ? { apiBudgetShare } : {}) };
  return changeSettings(ctx, orgId, change, { basedOn, actor: options.actor });
}

export async function settingsHistory(
  ctx: AppContext,
  orgId: string,
  limit: number,
): Promise<{ items: SettingsChange[] }> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  return { items: await listSettingsChanges(ctx.store.knex, org.orgId, limit) };
}

/** Starts Auto Backup for an org registered paused (or never enabled); the mode stays as set. */
export async function enableBackup(
  ctx: AppContext,
  orgId: string,
): Promise<{ orgId: string; enabled: true; mode: OrgRecord['mode'] }> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  if (!org.enabled) {
    await setOrgEnabled(ctx.store.knex, org.orgId);
    ctx.logger.info({ type: 'settings', orgId: org.orgId }, 'Auto Backup enabled');
  }
  return { orgId: org.orgId, enabled: true, mode: org.mode };
}
