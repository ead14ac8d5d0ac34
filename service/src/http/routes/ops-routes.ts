/** Liveness, readiness (database and bucket), Prometheus metrics. */
import * as s from '../api-schemas.js';
import { route, type RouteSpec } from '../route-spec.js';

export const opsRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    auth: 'none',
    answer: s.health,
    errors: [],
    handle: () => Promise.resolve({ body: { status: 'ok' } }),
  }),
  route({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the database and the bucket answer (503 naming the one that does not)',
    auth: 'none',
    answer: s.readiness,
    otherAnswers: [
      { status: 503, description: 'not ready: the checks say which part fails', schema: s.readiness },
    ],
    errors: [],
    handle: async (_input, deps) => {
      const [database, bucket] = await Promise.all([deps.probes.database(), deps.probes.bucket()]);
      for (const [name, probe] of Object.entries({ database, bucket }))
        if (!probe.ok)
          deps.app.logger.warn({ type: 'readiness', check: name, err: probe.cause }, 'not ready');
      const ok = database.ok && bucket.ok;
      const view = (p: typeof database) => (p.ok ? { ok: true } : { ok: false, error: p.error ?? 'failed' });
      return {
        status: ok ? 200 : 503,
        body: {
          status: ok ? 'ready' : 'unavailable',
          checks: { database: view(database), bucket: view(bucket) },
        },
      };
    },
  }),
  route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (text exposition format)',
    auth: 'none',
    answer: { mediaType: 'text/plain', description: 'Prometheus text format 0.0.4' },
    errors: [],
    handle: async ({ res }, deps) => {
      const text = await deps.metrics.registry.metrics();
      res.type(deps.metrics.registry.contentType).send(text);
      return undefined;
    },
  }),
];
