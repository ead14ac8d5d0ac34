/**
 * The settings users change (mode, schedule, exclusions), validated in one place for the CLI and the HTTP API:
 * exclusion names are trimmed, matched case-insensitively against the org's objects and normalised to their API
 * names; anything wrong is rejected whole, so a bad request changes nothing.
 */
import type { Knex } from 'knex';
import {
  replaceOrgSettings,
  type BackupMode,
  type BackupSchedule,
  type OrgRecord,
} from '../store/orgs/org-repository.js';
import { recordSettingsChange, type SettingsActor } from '../store/orgs/settings-history.js';
import { applyExclusions, listRegistry } from '../store/registry/object-registry.js';

export const MODES: readonly BackupMode[] = ['objects_and_files', 'objects_only', 'paused'];
export const SCHEDULES: readonly BackupSchedule[] = ['daily', 'continuous'];

export interface Settings {
  mode: BackupMode;
  schedule: BackupSchedule;
  exclusions: string[];
  /** The share of the org's daily API allowance the service may use (rolling 24 hours), 0.05 to 1. */
  apiBudgetShare: number;
}

/** The budget share's bounds: below 5 % a continuous backup of a real org could not even keep up its checks. */
export const BUDGET_SHARE_RANGE = { min: 0.05, max: 1 } as const;

export class SettingsError extends Error {
  constructor(
    readonly code: 'INVALID_SETTINGS' | 'UNKNOWN_OBJECT',
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Exclusions as typed: an array of names or one comma-separated string. */
export function parseExclusions(value: unknown): string[] {
  const parts = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!parts) throw new SettingsError('INVALID_SETTINGS', 'exclusions: expected a list of object API names');
  const names: string[] = [];
  for (const part of parts) {
    if (typeof part !== 'string')
      throw new SettingsError(
        'INVALID_SETTINGS',
        `exclusions: ${JSON.stringify(part)} is not an object API name`,
      );
    const name = part.trim();
    if (name === '') {
      if (typeof value === 'string' && parts.length === 1) continue; // an empty text means "no exclusions"
      throw new SettingsError(
        'INVALID_SETTINGS',
        'exclusions: an empty name (two commas in a row, or a trailing comma)',
      );
    }
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
      throw new SettingsError('INVALID_SETTINGS', `exclusions: "${name}" is not an object API name`);
    names.push(name);
  }
  return names;
}

/** `value` if it is one of `allowed`; otherwise the error naming the setting and what it accepts. */
function oneOf<T extends string>(setting: string, allowed: readonly T[], value: unknown): T {
  if (!allowed.includes(value as T))
    throw new SettingsError(
      'INVALID_SETTINGS',
      `${setting}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`,
    );
  return value as T;
}

/** Validates a change against the org's known objects; returns the normalised settings it leads to. */
export async function validateSettingsChange(
  knex: Knex,
  org: OrgRecord,
  change: Record<string, unknown>,
): Promise<Settings> {
  const known = ['mode', 'schedule', 'exclusions', 'apiBudgetShare'];
  const unknownKeys = Object.keys(change).filter((k) => !known.includes(k));
  if (unknownKeys.length > 0)
    throw new SettingsError(
      'INVALID_SETTINGS',
      `unknown setting ${unknownKeys.map((k) => `"${k}"`).join(', ')}; expected ${known.join(', ')}`,
    );
  const next: Settings = {
    mode: org.mode,
    schedule: org.schedule,
    exclusions: org.exclusions,
    apiBudgetShare: org.apiBudgetShare,
  };
  if (change.apiBudgetShare !== undefined) {
    const share = change.apiBudgetShare;
    if (
      typeof share !== 'number' ||
      !Number.isFinite(share) ||
      share < BUDGET_SHARE_RANGE.min ||
      share > BUDGET_SHARE_RANGE.max
    )
      throw new SettingsError(
        'INVALID_SETTINGS',
        `apiBudgetShare: expected a fraction from ${BUDGET_SHARE_RANGE.min} to ${BUDGET_SHARE_RANGE.max}, such as 0.5, got ${JSON.stringify(share)}`,
      );
    next.apiBudgetShare = share;
  }
  if (change.mode !== undefined) next.mode = oneOf('mode', MODES, change.mode);
  if (change.schedule !== undefined) next.schedule = oneOf('schedule', SCHEDULES, change.schedule);
  if (change.exclusions !== undefined) {
    const byLower = new Map((await listRegistry(knex, org.orgId)).map((o) => [o.name.toLowerCase(), o.name]));
    const normalised: string[] = [];
    for (const name of parseExclusions(change.exclusions)) {
      const known = byLower.get(name.toLowerCase());
      if (!known)
        throw new SettingsError(
          'UNKNOWN_OBJECT',
          `exclusions: "${name}" is not an object of this org (as last scanned)`,
        );
      if (!normalised.includes(known)) normalised.push(known);
    }
    next.exclusions = normalised;
  }
  return next;
}

/**
 * Stores validated settings if they are still at `expectedVersion` and logs the change with its actor, in one
 * transaction; returns the new version, or null (nothing written) when they changed in between.
 */
export async function saveSettings(
  knex: Knex,
  org: OrgRecord,
  settings: Settings,
  change: { expectedVersion: number; actor: SettingsActor },
): Promise<number | null> {
  return knex.transaction(async (trx) => {
    const version = await replaceOrgSettings(trx, org.orgId, change.expectedVersion, settings);
    if (version === null) return null;
    await applyExclusions(trx, org.orgId, settings.exclusions);
    const before: Settings = {
      mode: org.mode,
      schedule: org.schedule,
      exclusions: org.exclusions,
      apiBudgetShare: org.apiBudgetShare,
    };
    await recordSettingsChange(trx, org.orgId, { version, actor: change.actor, before, after: settings });
    return version;
  });
}
