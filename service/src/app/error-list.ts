/**
 * The error list: pages of open errors (newest first, optionally for one object), dismissing one, and the CSV
 * download with the stack traces — streamed, RFC 4180 through csv-stringify, UTF-8 with a BOM so spreadsheet
 * programs read accents right, and every cell a spreadsheet would run as a formula neutralised. Larger CSVs are
 * fetched by the user's browser through a signed, short-lived link instead of through the package's callout.
 */
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { findRegisteredOrg } from '../backup/engine-factory.js';
import type { OrgRecord } from '../store/orgs/org-repository.js';
import type { LinkSigner, SignedQuery } from '../secrets/link-signer.js';
import {
  allOpenErrors,
  dismissError as dismissStoredError,
  pageOpenErrors,
  type ErrorEntry,
} from '../store/registry/error-log.js';
import type { AppContext } from './app-context.js';
import { AppError } from './app-error.js';
import { decodeCursor, encodeCursor, pageLimit, type Page } from './paging.js';

export interface ErrorItem {
  id: string;
  at: string;
  object: string | null;
  recordId: string | null;
  code: string;
  message: string;
  hint: string | null;
}

/** How long a signed CSV link works. */
export const CSV_LINK_TTL_MS = 5 * 60_000;

const errorCursor = z.object({ at: z.iso.datetime(), id: z.string().regex(/^\d{1,19}$/) }).strict();

function toItem(e: ErrorEntry): ErrorItem {
  return {
    id: e.id,
    at: e.at.toISOString(),
    object: e.object,
    recordId: e.recordId,
    code: e.code,
    message: e.message,
    hint: e.hint,
  };
}

export async function listErrors(
  ctx: AppContext,
  orgId: string,
  query: { object?: string | undefined; cursor?: string | undefined; limit?: number | undefined },
): Promise<Page<ErrorItem>> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, errorCursor);
  const limit = pageLimit(query.limit);
  const rows = await pageOpenErrors(ctx.store.knex, org.orgId, {
    limit: limit + 1,
    ...(query.object !== undefined ? { object: query.object } : {}),
    ...(after ? { after: { at: new Date(after.at), id: after.id } } : {}),
  });
  const items = rows.slice(0, limit).map(toItem);
  const last = items[items.length - 1];
  return { items, next: rows.length > limit && last ? encodeCursor({ at: last.at, id: last.id }) : null };
}

export async function dismissError(
  ctx: AppContext,
  orgId: string,
  errorId: string,
): Promise<{ dismissed: true }> {
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  if (!(await dismissStoredError(ctx.store.knex, org.orgId, errorId, ctx.now())))
    throw new AppError('NOT_FOUND', `no open error ${errorId} in org ${org.orgId}`);
  return { dismissed: true };
}

const CSV_COLUMNS = ['at', 'object', 'recordId', 'code', 'message', 'hint', 'stack', 'id'] as const;

/** A cell a spreadsheet would evaluate (= + - @, or a leading tab or carriage return) gets a leading quote. */
export function neutraliseCell(value: string | null): string {
  if (value === null) return '';
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function errorsCsvFileName(orgId: string, now: Date): string {
  return `autobackup-errors-${orgId}-${now.toISOString().slice(0, 10)}.csv`;
}

export interface CsvDownload {
  fileName: string;
  /** Streams the CSV into `destination` (header row first, newest error next); rejects if either side fails. */
  writeTo(destination: Writable): Promise<void>;
}

/** The open errors as CSV. */
export async function errorsCsv(ctx: AppContext, orgId: string): Promise<CsvDownload> {
  return csvOf(ctx, await findRegisteredOrg(ctx.store.knex, orgId));
}

function csvOf(ctx: AppContext, org: OrgRecord): CsvDownload {
  async function* rows() {
    for await (const e of allOpenErrors(ctx.store.knex, org.orgId)) {
      yield [e.at.toISOString(), e.object, e.recordId, e.code, e.message, e.hint, e.stack, e.id].map((v) =>
        neutraliseCell(v),
      );
    }
  }
  return {
    fileName: errorsCsvFileName(org.orgId, ctx.now()),
    writeTo: (destination) =>
      pipeline(
        Readable.from(rows()),
        stringify({ bom: true, header: true, columns: [...CSV_COLUMNS], record_delimiter: '\r\n' }),
        destination,
      ),
  };
}

async function byteLength(csv: CsvDownload): Promise<number> {
  let bytes = 0;
  await csv.writeTo(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        done();
      },
    }),
  );
  return bytes;
}

export function errorsCsvPath(orgId: string): string {
  return `/api/v1/orgs/${orgId}/errors.csv`;
}

/** A signed link to the CSV for the user's browser, and the CSV's size so the package can choose the route. */
export async function errorsCsvLink(
  ctx: AppContext,
  orgId: string,
  signer: LinkSigner,
): Promise<{ url: string; expiresAt: string; bytes: number }> {
  const publicUrl = ctx.config.publicUrl;
  if (publicUrl === undefined)
    throw new AppError(
      'NOT_CONFIGURED',
      'PUBLIC_URL is not set: the service cannot build links that users can open; set it to its public HTTPS address',
    );
  const org = await findRegisteredOrg(ctx.store.knex, orgId);
  const bytes = await byteLength(csvOf(ctx, org));
  const expiresAt = new Date(ctx.now().getTime() + CSV_LINK_TTL_MS);
  const path = errorsCsvPath(org.orgId);
  const query: SignedQuery = signer.sign(path, expiresAt);
  const url = new URL(path.slice(1), publicUrl.endsWith('/') ? publicUrl : `${publicUrl}/`);
  url.searchParams.set('expires', query.expires);
  url.searchParams.set('signature', query.signature);
  return { url: url.toString(), expiresAt: expiresAt.toISOString(), bytes };
}
