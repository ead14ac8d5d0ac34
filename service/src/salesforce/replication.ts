/**
 * getDeleted / getUpdated (REST API developer guide, "Get a List of Deleted Records Within a Given Timeframe"):
 * windows of at most 30 days back; Salesforce refuses a window with more than 600,000 ids (EXCEEDED_ID_LIMIT),
 * so callers split windows.
 */
import type { SalesforceSession } from './session.js';

export interface DeletedRecords {
  deletedRecords: Array<{ id: string; deletedDate: string }>;
  earliestDateAvailable: string;
  latestDateCovered: string;
}

/** Salesforce's format for these parameters: seconds precision with an explicit +00:00 offset. */
export function replicationDate(d: Date): string {
  return `${d.toISOString().slice(0, 19)}+00:00`;
}

/**
 * Salesforce reads these windows in whole minutes and refuses one shorter than a minute
 * (INVALID_REPLICATION_DATE): whether [start, end] holds at least one whole minute.
 */
export function holdsWholeMinute(start: Date, end: Date): boolean {
  return Math.floor(end.getTime() / 60_000) * 60_000 - start.getTime() >= 60_000;
}

/** The getUpdated (`updated`) or getDeleted (`deleted`) resource of `object` over [start, end]. */
export function replicationPath(
  which: 'updated' | 'deleted',
  object: string,
  start: Date,
  end: Date,
): string {
  const q = `start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(end))}`;
  return `/sobjects/${encodeURIComponent(object)}/${which}/?${q}`;
}

export async function getDeleted(
  session: SalesforceSession,
  object: string,
  start: Date,
  end: Date,
): Promise<DeletedRecords> {
  const q = `start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(end))}`;
  return (
    await session.request<DeletedRecords>({ path: `/sobjects/${encodeURIComponent(object)}/deleted/?${q}` })
  ).body;
}

export async function getUpdated(
  session: SalesforceSession,
  object: string,
  start: Date,
  end: Date,
): Promise<{ ids: string[]; latestDateCovered: string }> {
  const q = `start=${encodeURIComponent(replicationDate(start))}&end=${encodeURIComponent(replicationDate(end))}`;
  return (
    await session.request<{ ids: string[]; latestDateCovered: string }>({
      path: `/sobjects/${encodeURIComponent(object)}/updated/?${q}`,
    })
  ).body;
}
