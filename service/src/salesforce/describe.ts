/**
 * Schema reads: describeGlobal and per-object describe, with If-Modified-Since so an unchanged schema costs a
 * 304 and no body (REST API developer guide, "Return HTTP 304 When Object Metadata Hasn't Changed").
 */
import type { SalesforceSession } from './session.js';

export interface GlobalObject {
  name: string;
  label: string;
  queryable: boolean;
  replicateable: boolean;
  retrieveable: boolean;
  custom: boolean;
  deprecatedAndHidden: boolean;
  keyPrefix: string | null;
}

export interface DescribeField {
  name: string;
  label: string;
  type: string;
  soapType: string;
  calculated: boolean;
  calculatedFormula: string | null;
  compoundFieldName: string | null;
  referenceTo: string[];
  length: number;
  nillable: boolean;
  [key: string]: unknown;
}

export interface ObjectDescribe {
  name: string;
  label: string;
  queryable: boolean;
  replicateable: boolean;
  fields: DescribeField[];
  [key: string]: unknown;
}

/** RFC 7231 date for If-Modified-Since. */
const httpDate = (d: Date) => d.toUTCString();

export async function describeGlobal(
  session: SalesforceSession,
  since?: Date,
): Promise<GlobalObject[] | 'not-modified'> {
  const res = await session.request<{ sobjects: GlobalObject[] } | ''>({
    path: '/sobjects/',
    headers: since ? { 'If-Modified-Since': httpDate(since) } : {},
  });
  if (res.status === 304) return 'not-modified';
  if (typeof res.body !== 'object' || !Array.isArray(res.body.sobjects)) {
    throw new Error('describeGlobal answered without an sobjects list');
  }
  return res.body.sobjects;
}

export async function describeObject(
  session: SalesforceSession,
  name: string,
  since?: Date,
): Promise<ObjectDescribe | 'not-modified'> {
  const res = await session.request<ObjectDescribe | ''>({
    path: `/sobjects/${encodeURIComponent(name)}/describe/`,
    headers: since ? { 'If-Modified-Since': httpDate(since) } : {},
  });
  if (res.status === 304) return 'not-modified';
  if (typeof res.body !== 'object' || !Array.isArray(res.body.fields)) {
    throw new Error(`describe of ${name} answered without a field list`);
  }
  return res.body;
}
