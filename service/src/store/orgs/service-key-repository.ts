/**
 * Service keys: what the package's External Credential sends (`Authorization: Bearer <key>`). Only a SHA-256 of
 * each key is stored. A key reads `abk_<keyId>_<secret>`; the key id finds the row, the hash proves the key.
 * Rotation keeps older keys working for an overlap period so the admin can update the credential calmly.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';

export const KEY_OVERLAP_MS = 24 * 3600_000;

export interface IssuedKey {
  keyId: string;
  serviceKey: string;
}

export interface ServiceKeyInfo {
  keyId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const sha256 = (key: string) => createHash('sha256').update(key).digest();

export async function issueServiceKey(knex: Knex, orgId: string): Promise<IssuedKey> {
  const keyId = randomBytes(6).toString('hex');
  const serviceKey = `abk_${keyId}_${randomBytes(32).toString('base64url')}`;
  await knex('service_keys').insert({ key_id: keyId, org_id: orgId, key_sha256: sha256(serviceKey) });
  return { keyId, serviceKey };
}

/** A new key; every other live key of the org stops working after the overlap period. */
export async function rotateServiceKey(
  knex: Knex,
  orgId: string,
  now: Date = new Date(),
): Promise<IssuedKey & { overlapUntil: Date }> {
  const overlapUntil = new Date(now.getTime() + KEY_OVERLAP_MS);
  return knex.transaction(async (trx) => {
    await trx('service_keys')
      .where({ org_id: orgId })
      .whereNull('revoked_at')
      .where((q) => q.whereNull('expires_at').orWhere('expires_at', '>', overlapUntil))
      .update({ expires_at: overlapUntil });
    return { ...(await issueServiceKey(trx, orgId)), overlapUntil };
  });
}

export async function revokeServiceKey(
  knex: Knex,
  orgId: string,
  keyId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const updated = await knex('service_keys')
    .where({ org_id: orgId, key_id: keyId })
    .whereNull('revoked_at')
    .update({ revoked_at: now });
  return updated > 0;
}

/** The org a presented key belongs to, or null when the key is unknown, revoked or expired. */
export async function verifyServiceKey(
  knex: Knex,
  presented: string,
  now: Date = new Date(),
): Promise<string | null> {
  const match = /^abk_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(presented);
  if (!match) return null;
  const row = await knex('service_keys')
    .where({ key_id: match[1] })
    .first<
      { org_id: string; key_sha256: Buffer; revoked_at: Date | null; expires_at: Date | null } | undefined
    >();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= now)) return null;
  return timingSafeEqual(row.key_sha256, sha256(presented)) ? row.org_id : null;
}

export async function listServiceKeys(knex: Knex, orgId: string): Promise<ServiceKeyInfo[]> {
  const rows = await knex('service_keys').where({ org_id: orgId }).orderBy('created_at');
  return rows.map(
    (r: { key_id: string; created_at: Date; expires_at: Date | null; revoked_at: Date | null }) => ({
      keyId: r.key_id,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
    }),
  );
}
