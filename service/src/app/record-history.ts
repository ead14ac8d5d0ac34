/**
 * A record's backed-up versions, newest first, a page at a time: a busy record has more versions than an Apex
 * callout (6 MB) or heap could take, so the caller asks for `limit` at a time and follows `next` (the `before`
 * of the next page) to go further back.
 */
import { findRegisteredOrg } from '../backup/engine-factory.js';
import { canonicalId } from '../salesforce/record-id.js';
import { findObjectByName } from '../store/registry/object-registry.js';
import { recordHistoryByKey, type StoredVersion } from '../store/versions/version-reader.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';
import { versionFiles, type VersionFile } from './files.js';
import { pageLimit } from './paging.js';

export interface HistoryPage {
  object: string;
  id: string;
  /** A file record's versions also carry their body's state (`file`). */
  items: Array<StoredVersion & { file?: VersionFile }>;
  /** Pass as `before` for older versions; null when this page reaches the first captured version. */
  next: string | null;
}

export async function recordVersions(
  ctx: AppContext,
  orgId: string,
  object: string,
  recordId: string,
  query: { limit?: number | undefined; before?: string | undefined },
): Promise<HistoryPage> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  const id = canonicalId(recordId);
  if (id === null)
    throw new AppError(
      'INVALID_REQUEST',
      `"${recordId}" is not a Salesforce record Id (15 or 18 letters and digits)`,
    );
  const known = await findObjectByName(ctx.store.knex, org.orgId, object);
  if (known === undefined)
    throw new AppError('NOT_FOUND', `object "${object}" is not known in org ${org.orgId}`);
  const limit = pageLimit(query.limit);
  const versions = await recordHistoryByKey(ctx.store, known.objectKey, id, {
    limit: limit + 1,
    ...(query.before !== undefined ? { before: query.before } : {}),
  });
  const page = versions.slice(0, limit);
  const files = await versionFiles(
    ctx,
    org.orgId,
    known.name,
    id,
    page,
    query.before === undefined ? page[0]?.systemModstamp : undefined,
  );
  const items = page.map((v) => {
    const file = files.get(v.systemModstamp);
    return file ? { ...v, file } : v;
  });
  return {
    object: known.name,
    id,
    items,
    next: versions.length > limit ? items[items.length - 1]!.systemModstamp : null,
  };
}
