import type { DataRoute, SimContext } from './context.js';
import { json } from './context.js';

/**
 * `GET /limits` (facts §2.7) in the shape of a real Developer Edition org's answer, with
 * `DailyApiRequests` and `DailyBulkV2QueryJobs` computed from the same counters that feed the
 * `Sforce-Limit-Info` header; and `GET /limits/recordCount?sObjects=A,B`.
 */
const STATIC_LIMITS: Record<string, number> = {
  ConcurrentAsyncGetReportInstances: 200,
  ConcurrentSyncReportRuns: 20,
  DailyAsyncApexExecutions: 250000,
  DailyBulkApiBatches: 15000,
  DailyBulkV2QueryFileStorageMB: 976562,
  DailyDurableGenericStreamingApiEvents: 10000,
  DailyDurableStreamingApiEvents: 10000,
  DailyGenericStreamingApiEvents: 10000,
  DailyStandardVolumePlatformEvents: 10000,
  DailyStreamingApiEvents: 10000,
  DailyWorkflowEmails: 390,
  DataStorageMB: 1024,
  DurableStreamingApiConcurrentClients: 20,
  FileStorageMB: 10240,
  HourlyAsyncReportRuns: 1200,
  HourlyDashboardRefreshes: 200,
  HourlyDashboardResults: 5000,
  HourlyDashboardStatuses: 999999999,
  HourlyLongTermIdMapping: 100000,
  HourlyODataCallout: 10000,
  HourlyPublishedPlatformEvents: 50000,
  HourlyPublishedStandardVolumePlatformEvents: 1000,
  HourlyShortTermIdMapping: 100000,
  HourlySyncReportRuns: 500,
  HourlyTimeBasedWorkflow: 50,
  MassEmail: 10,
  MonthlyPlatformEventsUsageEntitlement: 300000,
  SingleEmail: 15,
};

export const BULK_QUERY_JOBS_PER_DAY = 10000;

function limitsBody(ctx: SimContext): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, max] of Object.entries(STATIC_LIMITS)) body[name] = { Max: max, Remaining: max };
  body.DailyApiRequests = { Max: ctx.limits.max, Remaining: ctx.limits.remaining() };
  body.DailyBulkV2QueryJobs = {
    Max: BULK_QUERY_JOBS_PER_DAY,
    Remaining: Math.max(0, BULK_QUERY_JOBS_PER_DAY - ctx.bulk.jobsInLastDay()),
  };
  return Object.fromEntries(Object.entries(body).sort(([a], [b]) => a.localeCompare(b)));
}

export const limitRoutes: DataRoute[] = [
  {
    methods: ['GET'],
    pattern: /^\/limits\/?$/,
    kind: 'limits',
    handle: (_req, ctx) => json(200, limitsBody(ctx)),
  },
  {
    methods: ['GET'],
    pattern: /^\/limits\/recordCount\/?$/,
    kind: 'limits',
    handle: (req, ctx) => {
      // Unknown names are left out, as a real org does; no names means every object.
      let names = (req.query.get('sObjects') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (names.length === 0) {
        const global = ctx.org.describeGlobal(req.apiVersion).body as { sobjects?: Array<{ name: string }> };
        names = (global.sobjects ?? []).map((o) => o.name);
      }
      const sObjects: Array<{ count: number; name: string }> = [];
      for (const name of names) {
        const count = ctx.org.recordCount(name);
        if (count !== null) sObjects.push({ count, name });
      }
      return json(200, { sObjects });
    },
  },
];
