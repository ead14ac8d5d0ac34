/** Bucket key names of packs and schema snapshots (ARCHITECTURE.md "Bucket layout"), with matching parsers. */

const ORG_ID = /^00D[0-9A-Za-z]{15}$/;
const OBJECT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function assertOrgId(orgId: string): void {
  if (!ORG_ID.test(orgId)) throw new Error(`not an 18-character org id: "${orgId}"`);
}

export function assertObjectName(object: string): void {
  if (!OBJECT_NAME.test(object)) throw new Error(`not an sObject name: "${object}"`);
}

export function packsPrefix(orgId: string): string {
  assertOrgId(orgId);
  return `orgs/${orgId}/packs/`;
}

export function packKey(orgId: string, object: string, packId: string): string {
  assertObjectName(object);
  if (!SHA256_HEX.test(packId)) throw new Error(`not a pack id (sha256 hex): "${packId}"`);
  return `${packsPrefix(orgId)}${object}/${packId}.gz`;
}

/** `orgs/{org}/packs/{object}/{id}.gz` → its parts, or null for any other key. */
export function parsePackKey(key: string): { orgId: string; object: string; packId: string } | null {
  const m = /^orgs\/([^/]+)\/packs\/([^/]+)\/([0-9a-f]{64})\.gz$/.exec(key);
  if (!m || !ORG_ID.test(m[1]!) || !OBJECT_NAME.test(m[2]!)) return null;
  return { orgId: m[1]!, object: m[2]!, packId: m[3]! };
}

export function schemasPrefix(orgId: string): string {
  assertOrgId(orgId);
  return `orgs/${orgId}/schemas/`;
}

export function schemaKey(orgId: string, object: string, hash: string): string {
  assertObjectName(object);
  if (!SHA256_HEX.test(hash)) throw new Error(`not a schema hash (sha256 hex): "${hash}"`);
  return `${schemasPrefix(orgId)}${object}/${hash}.json.gz`;
}

export function parseSchemaKey(key: string): { orgId: string; object: string; hash: string } | null {
  const m = /^orgs\/([^/]+)\/schemas\/([^/]+)\/([0-9a-f]{64})\.json\.gz$/.exec(key);
  if (!m || !ORG_ID.test(m[1]!) || !OBJECT_NAME.test(m[2]!)) return null;
  return { orgId: m[1]!, object: m[2]!, hash: m[3]! };
}
