/**
 * A record version as stored in a pack: one JSON line
 * `{"id":"…18","systemModstamp":"…Z","deleted":bool,"fields":{…canonical…}}`.
 * A hard delete is a tombstone: `deleted: true` at its deletion time with empty `fields`.
 * The CONTRACTS.md export line is the same object with `"object"` first, so exporting is a splice.
 */
import type { CanonicalRecord } from '../packs/canonical-record.js';

export interface VersionInput {
  id: string;
  /** Canonical UTC ISO (`2024-01-01T00:00:00.000Z`). */
  systemModstamp: string;
  deleted: boolean;
  fields: CanonicalRecord;
}

const RECORD_ID = /^[0-9A-Za-z]{18}$/;
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function assertVersion(v: VersionInput): void {
  if (!RECORD_ID.test(v.id))
    throw new Error(`version has no 18-character record id: ${JSON.stringify(v.id)}`);
  if (!CANONICAL_TIME.test(v.systemModstamp) || Number.isNaN(Date.parse(v.systemModstamp))) {
    throw new Error(
      `version ${v.id}: SystemModstamp is not canonical UTC (…T…:…:….mmmZ): ${JSON.stringify(v.systemModstamp)}`,
    );
  }
  if (typeof v.deleted !== 'boolean') throw new Error(`version ${v.id}: deleted must be a boolean`);
  if (v.fields === null || typeof v.fields !== 'object')
    throw new Error(`version ${v.id}: fields must be an object`);
}

/** A version from a canonical record (see canonicalizeRecord): Id, SystemModstamp and IsDeleted come from its fields. */
export function versionFromRecord(record: CanonicalRecord): VersionInput {
  const id = record.Id;
  const systemModstamp = record.SystemModstamp;
  if (typeof id !== 'string') throw new Error('record has no Id');
  if (typeof systemModstamp !== 'string') throw new Error(`record ${id} has no SystemModstamp`);
  return { id, systemModstamp, deleted: record.IsDeleted === true, fields: record };
}

/** A hard delete (from getDeleted), at its deletion time. */
export function tombstone(id: string, deletedAt: string): VersionInput {
  return { id, systemModstamp: deletedAt, deleted: true, fields: {} };
}

/**
 * The stored line. Same bytes as JSON.stringify of {id, systemModstamp, deleted, fields}; the id and
 * the time are validated (assertVersion) to need no escaping, which spares building that object
 * for every version on the write path.
 */
export function encodeVersionLine(v: VersionInput): string {
  return `${versionLineHead(v)}${JSON.stringify(v.fields)}${VERSION_LINE_TAIL}`;
}

/** The stored line up to its fields (ASCII: validated id and time): `encodeVersionLine` is head + fields + tail. */
export function versionLineHead(v: VersionInput): string {
  return `{"id":"${v.id}","systemModstamp":"${v.systemModstamp}","deleted":${v.deleted ? 'true' : 'false'},"fields":`;
}

export const VERSION_LINE_TAIL = '}';

export function decodeVersionLine(line: Buffer): VersionInput {
  const parsed = JSON.parse(line.toString('utf8')) as VersionInput;
  assertVersion(parsed);
  return parsed;
}

/** The CONTRACTS.md export line (without newline) for a stored version line. */
export function exportLine(object: string, line: Buffer): string {
  return `{"object":${JSON.stringify(object)},${line.toString('utf8', 1)}`;
}

/**
 * The SystemModstamp the org gave a stored version. Salesforce stamps to the second; a later content the backup
 * found at the same second is stored as a revision one millisecond after the version it follows (see the version
 * writer), so the org's stamp is the stored one with its milliseconds cleared.
 */
export function orgStamp(systemModstamp: string): string {
  return `${systemModstamp.slice(0, 20)}000Z`;
}

/** Orders versions as every reader does: SystemModstamp, then Id (byte order). */
export function compareVersions(
  a: { systemModstamp: string; id: string },
  b: { systemModstamp: string; id: string },
): number {
  if (a.systemModstamp !== b.systemModstamp) return a.systemModstamp < b.systemModstamp ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
