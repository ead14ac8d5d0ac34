/**
 * Field metadata: the missing-field-permissions report (fields that exist but the integration user cannot read,
 * objects it cannot read, what to grant) and an object's field history. Both are database reads: the schema scan
 * keeps them up to date.
 */
import { z } from 'zod';
import { FIELD_CHANGE_KINDS } from '../../backup/field-history.js';
import { fieldHistory } from '../../app/field-history.js';
import { missingFields } from '../../app/missing-fields.js';
import { objectFields } from '../../app/object-fields.js';
import * as s from '../api-schemas.js';
import { route, type RouteSpec } from '../route-spec.js';

const objectName = z.string().regex(s.API_NAME, 'not an object API name');
const problem = z.object({ code: z.string(), message: z.string() }).strict();

export const missingFieldsQuery = z.object({ object: objectName.optional() }).strict();
export const missingFieldsReport = z
  .object({
    checkedAt: z.iso.datetime().nullable(),
    items: z.array(
      z
        .object({
          object: z.string(),
          label: z.string(),
          field: z.string(),
          fieldLabel: z.string(),
          type: z.string(),
          grant: z.string(),
        })
        .strict(),
    ),
    objectsUnreadable: z.array(
      z.object({ object: z.string(), label: z.string(), grant: z.string() }).strict(),
    ),
    error: problem.nullable(),
  })
  .strict();

export const fieldHistoryParams = s.orgParams.extend({ object: objectName });
export const fieldHistoryQuery = z.object({ cursor: s.cursorParam, limit: s.limitParam }).strict();
export const fieldHistoryPage = z
  .object({
    object: z.string(),
    items: z.array(
      z
        .object({
          at: z.iso.datetime(),
          field: z.string().nullable(),
          change: z.enum(FIELD_CHANGE_KINDS),
          before: z.unknown(),
          after: z.unknown(),
        })
        .strict(),
    ),
    next: z.string().nullable(),
  })
  .strict();

export const fieldRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/objects/{object}/fields',
    summary:
      "An object's readable fields with label, type, decimal places (number, currency, percent) and picklist " +
      'labels, as of the last schema scan',
    auth: 'key',
    params: fieldHistoryParams,
    answer: s.objectFields,
    errors: [],
    handle: async ({ params }, deps) => ({ body: await objectFields(deps.app, params.orgId, params.object) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/fields/missing',
    summary:
      'Fields that exist but the integration user cannot read, and objects it cannot read, with what to grant; ' +
      'brought up to date by each schema scan',
    auth: 'key',
    params: s.orgParams,
    query: missingFieldsQuery,
    answer: missingFieldsReport,
    errors: [],
    handle: async ({ params, query }, deps) => ({ body: await missingFields(deps.app, params.orgId, query) }),
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/objects/{object}/field-history',
    summary:
      "An object's field metadata changes, newest first: added, removed, access lost or regained, type, formula, " +
      'picklist values, label',
    auth: 'key',
    params: fieldHistoryParams,
    query: fieldHistoryQuery,
    answer: fieldHistoryPage,
    errors: ['INVALID_CURSOR'],
    handle: async ({ params, query }, deps) => ({
      body: await fieldHistory(deps.app, params.orgId, params.object, query),
    }),
  }),
];
