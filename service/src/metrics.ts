/**
 * Prometheus metrics of one service process (prom-client), served at /metrics: HTTP requests by route and
 * status, their latency, and what the backup engine does (versions written, failed object backups, passes).
 * Each process has its own registry, so tests that start several apps do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  versionsWritten: Counter<'org'>;
  objectFailures: Counter<'org' | 'code'>;
  passes: Counter<'org' | 'outcome'>;
  engineRunning: Gauge;
  lastPassFinished: Gauge<'org'>;
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
    passes: new Counter({
      name: 'autobackup_backup_passes_total',
      help: 'Backup passes over an org, by outcome (ok, errors, failed)',
      labelNames: ['org', 'outcome'],
      registers,
    }),
    engineRunning: new Gauge({
      name: 'autobackup_engine_running',
      help: '1 while this process runs the continuous backup, else 0',
      registers,
    }),
    lastPassFinished: new Gauge({
      name: 'autobackup_last_pass_finished_seconds',
      help: 'Unix time the last backup pass over an org finished',
      labelNames: ['org'],
      registers,
    }),
  };
}
