import type { IncomingMessage } from 'node:http';
import type {
  FieldChangeBody,
  MutateBody,
  PermissionsBody,
  SchemaBody,
  UserPermissionsBody,
} from '../org/api.js';
import type { SimContext, WireResponse } from './context.js';
import { json } from './context.js';
import { toWireError } from './errors.js';
import { parseFaultRule } from './faults.js';

/**
 * The admin API under `/__sim` (docs/CONTRACTS.md, "The org simulator"): the test's hand on the
 * org — clock, permissions, schema, mutations, faults, sessions, churn, limits, ground truth and
 * call statistics. No Salesforce auth; loopback clients only. Errors are `{"error": "..."}`.
 */
class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AdminError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new AdminError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

function requireNumber(
  body: Record<string, unknown>,
  name: string,
  opts: { min?: number; nullable?: boolean } = {},
): number | null {
  const value = body[name];
  if (value === null && opts.nullable) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || (opts.min !== undefined && value < opts.min)) {
    throw new AdminError(
      400,
      `"${name}" must be a number${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.nullable ? ' or null' : ''}`,
    );
  }
  return value;
}

export function isLoopback(req: IncomingMessage): boolean {
  const addr = req.socket.remoteAddress ?? '';
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr.startsWith('127.');
}

/** The start-line object of CONTRACTS.md. */
export function startInfo(ctx: SimContext): Record<string, string> {
  return {
    url: ctx.baseUrl,
    orgId: ctx.org.orgId,
    username: ctx.org.integrationUser.username,
    clientId: ctx.credentials.clientId,
    clientSecret: ctx.credentials.clientSecret,
    privateKeyPath: ctx.credentials.privateKeyPath,
    apiVersion: ctx.apiVersion,
  };
}

function truthStream(ctx: SimContext, object: string): AsyncIterable<Buffer> {
  // The first version is read here, so an unknown object fails before the 200 is sent.
  const it = ctx.org.truth(object)[Symbol.iterator]();
  const first = it.next();
  return (async function* () {
    let batch = '';
    for (let r = first; !r.done; r = it.next()) {
      batch += JSON.stringify(r.value) + '\n';
      if (batch.length > 256 * 1024) {
        yield Buffer.from(batch);
        batch = '';
      }
    }
    if (batch) yield Buffer.from(batch);
  })();
}

async function route(
  ctx: SimContext,
  method: string,
  path: string,
  query: URLSearchParams,
  bodyText: string,
): Promise<WireResponse> {
  const key = `${method} ${path.replace(/\/+$/, '')}`;
  switch (key) {
    case 'GET /__sim/org':
      return json(200, {
        ...startInfo(ctx),
        password: ctx.credentials.password,
        apiUsage: { used: ctx.limits.used(), max: ctx.limits.max },
        now: ctx.org.clock.now().toISOString(),
      });
    case 'POST /__sim/clock': {
      const body = parseBody(bodyText);
      if (body.advanceMs !== undefined) ctx.org.clock.advance(requireNumber(body, 'advanceMs') ?? 0);
      else if (typeof body.set === 'string') ctx.org.clock.set(body.set);
      else throw new AdminError(400, 'body must be {"advanceMs":N} or {"set":"ISO-8601 instant"}');
      return json(200, { now: ctx.org.clock.now().toISOString(), offsetMs: ctx.org.clock.offsetMs() });
    }
    case 'POST /__sim/permissions':
      ctx.org.setPermissions(parseBody(bodyText) as unknown as PermissionsBody);
      return json(200, { ok: true });
    case 'POST /__sim/schema':
      ctx.org.addSchema(parseBody(bodyText) as unknown as SchemaBody);
      return json(200, { ok: true });
    case 'POST /__sim/schema/change':
      ctx.org.changeField(parseBody(bodyText) as unknown as FieldChangeBody);
      return json(200, { ok: true });
    case 'POST /__sim/user-permissions':
      ctx.org.setUserPermissions(parseBody(bodyText) as unknown as UserPermissionsBody);
      return json(200, { ok: true });
    case 'POST /__sim/mutate':
      return json(200, ctx.org.mutate(parseBody(bodyText) as unknown as MutateBody));
    case 'GET /__sim/faults':
      return json(200, { rules: ctx.faults.describe(), fired: ctx.faults.fired });
    case 'POST /__sim/faults': {
      const body = parseBody(bodyText);
      if (!Array.isArray(body.rules)) throw new AdminError(400, 'body must be {"rules":[…]}');
      let rules;
      try {
        rules = body.rules.map((r, i) => parseFaultRule(r, i));
      } catch (err) {
        throw new AdminError(400, (err as Error).message);
      }
      ctx.faults.add(rules);
      return json(200, { rules: ctx.faults.count });
    }
    case 'DELETE /__sim/faults':
      return json(200, { removed: ctx.faults.clear() });
    case 'POST /__sim/sessions': {
      const body = parseBody(bodyText);
      const ttlMs = requireNumber(body, 'ttlMs', { min: 0, nullable: true });
      ctx.sessions.setTtl(ttlMs);
      return json(200, { ttlMs });
    }
    case 'DELETE /__sim/sessions':
      return json(200, { revoked: ctx.sessions.revokeAll() });
    case 'POST /__sim/refresh-tokens':
      // Stands for a user who authorised the connected app in a browser (web-server flow).
      return json(200, { refreshToken: ctx.sessions.issueRefreshToken(ctx.org.integrationUser.id) });
    case 'POST /__sim/churn': {
      const perMinute = requireNumber(parseBody(bodyText), 'perMinute', { min: 0 }) ?? 0;
      ctx.org.setChurn(perMinute);
      return json(200, { perMinute });
    }
    case 'POST /__sim/limits': {
      const body = parseBody(bodyText);
      if (body.dailyApiRequests !== undefined) {
        const max = requireNumber(body, 'dailyApiRequests', { min: 0 }) ?? 0;
        if (!Number.isInteger(max)) throw new AdminError(400, '"dailyApiRequests" must be an integer');
        ctx.limits.setMax(max);
      }
      if (body.reset === true) ctx.limits.reset();
      const concurrency: { limit?: number; longRequestMs?: number } = {};
      if (body.concurrentLongRequests !== undefined) {
        const n = requireNumber(body, 'concurrentLongRequests', { min: 1 }) ?? 1;
        if (!Number.isInteger(n)) throw new AdminError(400, '"concurrentLongRequests" must be an integer');
        concurrency.limit = n;
      }
      if (body.longRequestMs !== undefined)
        concurrency.longRequestMs = requireNumber(body, 'longRequestMs', { min: 0 }) ?? 0;
      ctx.concurrency.configure(concurrency);
      return json(200, {
        dailyApiRequests: { max: ctx.limits.max, used: ctx.limits.used() },
        concurrentLongRequests: ctx.concurrency.limit,
        longRequestMs: ctx.concurrency.longRequestMs,
      });
    }
    case 'POST /__sim/bulk': {
      const body = parseBody(bodyText);
      if (body.pageSize !== undefined) {
        const n = requireNumber(body, 'pageSize', { min: 1 }) ?? 1;
        if (!Number.isInteger(n)) throw new AdminError(400, '"pageSize" must be an integer');
        ctx.bulk.defaultPageRows = n;
      }
      if (body.inProgressPolls !== undefined) {
        const n = requireNumber(body, 'inProgressPolls', { min: 0 }) ?? 0;
        if (!Number.isInteger(n)) throw new AdminError(400, '"inProgressPolls" must be an integer');
        ctx.bulk.inProgressPolls = n;
      }
      if (body.listPageSize !== undefined) {
        const n = requireNumber(body, 'listPageSize', { min: 1 }) ?? 1;
        if (!Number.isInteger(n)) throw new AdminError(400, '"listPageSize" must be an integer');
        ctx.bulk.listPageSize = n;
      }
      return json(200, {
        pageSize: ctx.bulk.defaultPageRows,
        inProgressPolls: ctx.bulk.inProgressPolls,
        listPageSize: ctx.bulk.listPageSize,
      });
    }
    case 'GET /__sim/truth': {
      const object = query.get('object');
      if (!object)
        throw new AdminError(400, 'query parameter "object" is required, e.g. /__sim/truth?object=Account');
      return {
        status: 200,
        stream: truthStream(ctx, object),
        headers: { 'Content-Type': 'application/x-ndjson' },
      };
    }
    case 'GET /__sim/requests': {
      const since = query.get('since') ?? '0';
      if (!/^\d+$/.test(since))
        throw new AdminError(
          400,
          `query parameter "since" must be a request number, got ${JSON.stringify(since)}`,
        );
      return json(200, ctx.requests.list(Number(since), query.get('object') ?? undefined));
    }
    case 'GET /__sim/stats':
      return json(200, {
        ...(ctx.stats.toJSON() as Record<string, unknown>),
        apiUsage: { used: ctx.limits.used(), max: ctx.limits.max },
        faultsFired: ctx.faults.fired,
        longRequests: ctx.concurrency.toJSON(),
        activeSessions: ctx.sessions.activeCount,
      });
    default:
      throw new AdminError(404, `unknown admin endpoint: ${method} ${path}`);
  }
}

export async function handleAdmin(
  ctx: SimContext,
  method: string,
  path: string,
  query: URLSearchParams,
  bodyText: string,
): Promise<WireResponse> {
  try {
    return await route(ctx, method, path, query, bodyText);
  } catch (err) {
    if (err instanceof AdminError) return json(err.status, { error: err.message });
    const wire = toWireError(err);
    if (wire) return json(wire.status, { error: wire.message, errorCode: wire.errorCode });
    if (err instanceof Error) return json(400, { error: err.message });
    throw err;
  }
}
