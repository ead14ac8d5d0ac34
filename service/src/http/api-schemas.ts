/**
 * The shapes of the HTTP API, in one place: requests are parsed with these schemas (unknown fields refused) and
 * the OpenAPI document (openapi.ts) is generated from them, so the document, the validation and the answers
 * cannot drift apart. Tests check every route's real answers against the served document.
 */
import { z } from 'zod';
import { EXCLUDED_SORTS, OBJECT_SORTS } from '../app/dashboard.js';
import { MAX_LIMIT } from '../app/paging.js';
import { MODES, SCHEDULES } from '../backup/settings.js';
import type { BackupMode, BackupSchedule } from '../store/orgs/org-repository.js';

export const OBJECT_STATUSES = [
  'Waiting',
  'Running',
  'Backfilling',
  'Paused',
  'Excluded',
  'Unavailable',
  'Error',
] as const;
export const OVERALL_STATUSES = ['Backfilling', 'Behind', 'Running Continuously', 'Paused', 'Error'] as const;

const isoTime = z.iso.datetime();
const count = z.number().int().min(0);
const mode = z.enum(MODES as [BackupMode, ...BackupMode[]]);
const schedule = z.enum(SCHEDULES as [BackupSchedule, ...BackupSchedule[]]);

// ── path and query parameters ──────────────────────────────────────────────────────────────────────
export const ORG_ID = /^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/;
export const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,79}$/;

export const orgParams = z.object({
  orgId: z.string().regex(ORG_ID, 'not an org id (00D…, 15 or 18 characters)'),
});
export const errorParams = orgParams.extend({
  errorId: z.string().regex(/^\d{1,19}$/, 'not an error id (digits)'),
});
export const recordParams = orgParams.extend({
  object: z.string().regex(API_NAME, 'not an object API name'),
  id: z.string().regex(/^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/, 'not a record Id (15 or 18 letters and digits)'),
});

export const limitParam = z
  .string()
  .regex(/^\d{1,9}$/, `a whole number from 1 (larger than ${MAX_LIMIT} counts as ${MAX_LIMIT})`)
  .transform(Number)
  .refine((n) => n >= 1, 'at least 1')
  .optional();
export const cursorParam = z.string().min(1).max(2000).optional();

const orderParam = z.enum(['asc', 'desc']).optional();
export const objectsQuery = z
  .object({
    status: z.enum(OBJECT_STATUSES).optional(),
    q: z.string().max(200).optional(),
    files: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional(),
    sort: z.enum(OBJECT_SORTS).optional(),
    order: orderParam,
    cursor: cursorParam,
    limit: limitParam,
  })
  .strict();
export const excludedQuery = z
  .object({
    sort: z.enum(EXCLUDED_SORTS).optional(),
    order: orderParam,
    cursor: cursorParam,
    limit: limitParam,
  })
  .strict();
export const errorsQuery = z
  .object({
    object: z.string().regex(API_NAME, 'not an object API name').optional(),
    cursor: cursorParam,
    limit: limitParam,
  })
  .strict();
export const historyQuery = z.object({ limit: limitParam, before: isoTime.optional() }).strict();
export const settingsHistoryQuery = z.object({ limit: limitParam }).strict();
export const signedLinkQuery = z
  .object({ expires: z.string().max(20), signature: z.string().max(100) })
  .strict();

// ── request bodies ─────────────────────────────────────────────────────────────────────────────────
export const settingsBody = z
  .object({
    mode,
    schedule,
    exclusions: z.array(z.string().max(200)).max(5000),
    // Optional: absent leaves the share unchanged; out of 0.05–1 is refused as INVALID_SETTINGS.
    apiBudgetShare: z.number().optional(),
    version: z.number().int().min(1).optional(),
  })
  .strict();
export const emptyBody = z.object({}).strict();

// ── answers ────────────────────────────────────────────────────────────────────────────────────────
export const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }).strict() })
  .strict();

export const dashboard = z
  .object({
    status: z.enum(OVERALL_STATUSES),
    pausedScope: z.enum(['none', 'files', 'all']),
    enabled: z.boolean(),
    storage: z.string(),
    mode,
    schedule,
    settingsVersion: z.number().int().min(1),
    totals: z.object({ records: count, versions: count, files: count, bytes: count }).strict(),
    coverage: z.object({ from: isoTime.nullable(), to: isoTime.nullable() }).strict(),
    progress: z.array(
      z.object({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), versions: count, files: count }).strict(),
    ),
    errors: z.object({ open: count, since: isoTime.nullable() }).strict(),
    api: z
      .object({
        used: count,
        max: count,
        budgetShare: z.number().gt(0).max(1),
        serviceUsed: count.optional(),
        serviceMax: count.optional(),
        waitingForBudgetUntil: isoTime.nullable().optional(),
      })
      .strict(),
    lastScanAt: isoTime.nullable(),
  })
  .strict();

export const objectItem = z
  .object({
    name: z.string(),
    label: z.string(),
    status: z.enum(OBJECT_STATUSES),
    records: count,
    versions: count,
    lastBackupAt: isoTime.nullable(),
    caughtUpTo: isoTime.nullable(),
    waitingFor: z.enum(['api-budget']).optional(),
    // File objects (ContentVersion, Attachment, Document): bodies backed up and their bytes.
    files: count.optional(),
    fileBytes: count.optional(),
  })
  .strict();
export const objectPage = z
  .object({
    items: z.array(objectItem),
    next: z.string().nullable(),
    // The whole list in figures, whatever the filter (the list's header).
    summary: z
      .object({
        objects: count,
        matching: count,
        fileObjects: count,
        files: count,
        fileBytes: count,
        unsupported: count,
      })
      .strict(),
  })
  .strict();

export const excludedObjects = z
  .object({
    items: z.array(z.object({ name: z.string(), label: z.string(), reason: z.string() }).strict()),
    next: z.string().nullable(),
    total: count,
  })
  .strict();

const settingsCore = z
  .object({
    mode,
    schedule,
    exclusions: z.array(z.string()),
    apiBudgetShare: z.number().gt(0).max(1).optional(),
  })
  .strict();
export const settings = settingsCore
  .extend({ apiBudgetShare: z.number().gt(0).max(1), version: z.number().int().min(1) })
  .strict();
export const settingsHistory = z
  .object({
    items: z.array(
      z
        .object({
          at: isoTime,
          version: z.number().int().min(1),
          actor: z
            .object({
              source: z.enum(['api', 'cli']),
              id: z.string().nullable(),
              name: z.string().nullable(),
            })
            .strict(),
          before: settingsCore,
          after: settingsCore,
        })
        .strict(),
    ),
  })
  .strict();

export const enabled = z.object({ orgId: z.string(), enabled: z.literal(true), mode }).strict();

export const errorItem = z
  .object({
    id: z.string(),
    at: isoTime,
    object: z.string().nullable(),
    recordId: z.string().nullable(),
    code: z.string(),
    message: z.string(),
    hint: z.string().nullable(),
  })
  .strict();
export const errorPage = z.object({ items: z.array(errorItem), next: z.string().nullable() }).strict();
export const dismissed = z.object({ dismissed: z.literal(true) }).strict();
export const csvLink = z.object({ url: z.url(), expiresAt: isoTime, bytes: count }).strict();

export const recordVersions = z
  .object({
    object: z.string(),
    id: z.string(),
    items: z.array(
      z
        .object({
          systemModstamp: isoTime,
          deleted: z.boolean(),
          fields: z.record(z.string(), z.unknown()),
          // File records (ContentVersion, Attachment, Document): the state of this version's body.
          file: z
            .object({
              sha256: z.string().nullable(),
              size: count.nullable(),
              state: z.enum(['stored', 'failed', 'pending']),
              error: z.string().optional(),
            })
            .strict()
            .optional(),
        })
        .strict(),
    ),
    next: isoTime.nullable(),
  })
  .strict();

export const health = z.object({ status: z.literal('ok') }).strict();
const check = z.object({ ok: z.boolean(), error: z.string().optional() }).strict();
export const readiness = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({ database: check, bucket: check }).strict(),
  })
  .strict();

/** An object's fields as Backup History formats values (GET …/objects/{object}/fields; Apex builds the same). */
export const objectFields = z
  .object({
    name: z.string(),
    label: z.string(),
    fields: z.array(
      z
        .object({
          name: z.string(),
          label: z.string(),
          type: z.string(),
          scale: z.number().int().nullable().optional(),
          picklistValues: z
            .array(z.object({ value: z.string(), label: z.string() }).strict())
            .nullable()
            .optional(),
        })
        .strict(),
    ),
  })
  .strict();

// ── shapes only between the package's Apex and its components ────────────────────────────────────
/**
 * No route answers these; the Apex controllers build them for the Lightning components from route answers.
 * They sit in the OpenAPI document (components.schemas, marked `x-package-only`) so the package's contract test
 * checks them like every other shape.
 */
export const packageOnlySchemas = {
  /** AutoBackupHistoryController.getFieldDescriptions: from the Schema describe, in the user's language. */
  ObjectFields: objectFields,
  /** AutoBackupErrorsController.getErrorsCsv: the CSV itself when small, else a signed link to it. */
  ErrorsCsv: z
    .object({
      csv: z.string().nullable().optional(),
      url: z.string().nullable().optional(),
      fileName: z.string(),
    })
    .strict(),
};
