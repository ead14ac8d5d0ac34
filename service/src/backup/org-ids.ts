/**
 * Asking the org about record Ids: which of some Ids it still has (recycle bin included), every Id of an object,
 * and the batches of parent Ids through which Salesforce lets some objects (ContentDocumentLink) be listed.
 */
import { queryPages, type QueryStart } from '../salesforce/rest-query.js';
import type { EngineContext } from './engine-context.js';
import type { ObjectSupport } from './object-support.js';
import { soqlString } from './soql.js';

/** Ids per `Id IN (…)` query: keeps the query URL well under Salesforce's 16 KB limit. */
export const IDS_PER_QUERY = 200;

const ALL_ROWS = { scanAll: true, batchSize: 2000 };

/** An `IN (…)` list of quoted Ids. */
export function idList(ids: readonly string[]): string {
  return ids.map(soqlString).join(',');
}

/** The query of every Id of `parentObject`, whose batches list an object read through its parents' Ids. */
export function parentIdsQuery(parentObject: string): string {
  return `SELECT Id FROM ${parentObject}`;
}

/** The Ids of `parentObject` (with `includeDeleted`, those in the recycle bin too), `size` at a time. */
export async function* parentIdBatches(
  ctx: EngineContext,
  parentObject: string,
  size: number,
  includeDeleted: boolean,
  /** Where the query starts when read ahead (`parentIdsQuery`, without deleted rows). */
  start: QueryStart = {},
): AsyncGenerator<string[]> {
  const parents: string[] = [];
  const options = { scanAll: includeDeleted, batchSize: 2000, ...(includeDeleted ? {} : start) };
  for await (const page of queryPages<{ Id: string }>(ctx.session, parentIdsQuery(parentObject), options)) {
    parents.push(...page.records.map((r) => r.Id));
  }
  yield* inBatches(parents, size);
}

/** `ids` in batches of `size`, in order. */
export function inBatches(ids: readonly string[], size: number): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size));
  return batches;
}

/** The Ids (of those given) that queryAll still returns: the org still has them, perhaps in the recycle bin. */
export async function idsFoundInOrg(
  ctx: EngineContext,
  object: string,
  ids: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    const soql = `SELECT Id FROM ${object} WHERE Id IN (${idList(ids.slice(i, i + IDS_PER_QUERY))})`;
    for await (const page of queryPages<{ Id: string }>(ctx.session, soql, { scanAll: true })) {
      for (const r of page.records) found.add(r.Id);
    }
  }
  return found;
}

/** Every Id the org has for the object (recycle bin included), through its parents' Ids where Salesforce demands it. */
export async function* idsInOrg(
  ctx: EngineContext,
  object: string,
  support: Extract<ObjectSupport, { supported: true }>,
): AsyncGenerator<string[]> {
  if (support.access.kind === 'query') {
    for await (const page of queryPages<{ Id: string }>(ctx.session, `SELECT Id FROM ${object}`, ALL_ROWS)) {
      yield page.records.map((r) => r.Id);
    }
    return;
  }
  const { parentObject, parentField } = support.access;
  for await (const parents of parentIdBatches(ctx, parentObject, IDS_PER_QUERY, true)) {
    const soql = `SELECT Id FROM ${object} WHERE ${parentField} IN (${idList(parents)})`;
    for await (const page of queryPages<{ Id: string }>(ctx.session, soql, { batchSize: 2000 })) {
      yield page.records.map((r) => r.Id);
    }
  }
}
