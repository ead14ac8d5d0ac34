/**
 * An object's field metadata history, newest first, a page at a time: fields added, removed, hidden from or
 * granted to the integration user, and changes of type, formula, picklist values and label, each at the org's
 * time of the schema scan that saw it (see backup/field-history.ts for what each kind means).
 */
import { z } from 'zod';
import { findRegisteredOrg } from '../backup/engine-factory.js';
import type { FieldChangeKind } from '../backup/field-history.js';
import { pageFieldChanges } from '../store/schemas/field-history-store.js';
import { findObjectByName } from '../store/registry/object-registry.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';
import { decodeCursor, encodeCursor, pageLimit, type Page } from './paging.js';

export interface FieldHistoryItem {
  at: string;
  /** null: a change of the object itself (its access, whether it is queryable). */
  field: string | null;
  change: FieldChangeKind;
  before: unknown;
  after: unknown;
}

const historyCursor = z.object({ at: z.iso.datetime(), id: z.string().regex(/^\d{1,19}$/) }).strict();

export async function fieldHistory(
  ctx: AppContext,
  orgId: string,
  object: string,
  query: { cursor?: string | undefined; limit?: number | undefined },
): Promise<Page<FieldHistoryItem> & { object: string }> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  const known = await findObjectByName(ctx.store.knex, org.orgId, object);
  if (!known) throw new AppError('NOT_FOUND', `object "${object}" is not known in org ${org.orgId}`);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, historyCursor);
  const limit = pageLimit(query.limit);
  const rows = await pageFieldChanges(ctx.store.knex, org.orgId, known.name, {
    limit: limit + 1,
    ...(after ? { after: { at: new Date(after.at), id: after.id } } : {}),
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    object: known.name,
    items: page.map((r) => ({
      at: r.at.toISOString(),
      field: r.field,
      change: r.change as FieldChangeKind,
      before: r.before,
      after: r.after,
    })),
    next: rows.length > limit && last ? encodeCursor({ at: last.at.toISOString(), id: last.id }) : null,
  };
}
