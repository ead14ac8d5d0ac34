/**
 * Prometheus metrics of one service process (prom-client), served at /metrics: HTTP requests by route and
 * status, their latency, and what the backup engine does (versions written, failed object backups, slices, queue
 * depth, lag and API use per org).
 * Each process has its own registry, so tests that start several apps do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  versionsWritten: Counter<'org'>;
  objectFailures: Counter<'org' | 'code'>;
  slices: Counter<'org' | 'kind' | 'outcome'>;
  engineRunning: Gauge;
  queueJobs: Gauge<'queue' | 'state'>;
  lagSeconds: Gauge<'org'>;
  apiUsed: Gauge<'org'>;
  apiMax: Gauge<'org'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'autobackup_' });
  const registers = [registry];
  return {
    registry,
    httpRequests: new Counter({
      name: 'autobackup_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'autobackup_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    versionsWritten: new Counter({
      name: 'autobackup_versions_written_total',
      help: 'Record versions written to the backup',
      labelNames: ['org'],
      registers,
    }),
    objectFailures: new Counter({
      name: 'autobackup_object_backup_errors_total',
      help: 'Object backups that failed (each also in the org error list), by error code',
      labelNames: ['org', 'code'],
      registers,
    }),
    slices: new Counter({
      name: 'autobackup_slices_total',
      help: 'Scheduled work run by this process, by kind (object, check, scan, maintenance) and outcome (ok, failed, skipped)',
      labelNames: ['org', 'kind', 'outcome'],
      registers,
    }),
    engineRunning: new Gauge({
      name: 'autobackup_engine_running',
      help: '1 while this process takes backup work from the queues, else 0',
      registers,
    }),
    queueJobs: new Gauge({
      name: 'autobackup_queue_jobs',
      help: 'Jobs in the cluster-wide queues, by queue and state (queued, active, failed), refreshed from the database every minute',
      labelNames: ['queue', 'state'],
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'autobackup_org_lag_seconds',
      help: "How far the least recent caught-up object of an org is behind the org's clock, refreshed from the database every minute",
      labelNames: ['org'],
      registers,
    }),
    apiUsed: new Gauge({
      name: 'autobackup_org_api_requests_used',
      help: "The org's API requests used in the last 24 hours, as Salesforce last reported them (Sforce-Limit-Info)",
      labelNames: ['org'],
      registers,
    }),
    apiMax: new Gauge({
      name: 'autobackup_org_api_requests_max',
      help: "The org's API request allowance for 24 hours, as Salesforce last reported it",
      labelNames: ['org'],
      registers,
    }),
  };
}
