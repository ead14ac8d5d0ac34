/**
 * The express app of the service: the routes declared in routes/ behind one pipeline — request id and log
 * scope, security headers, a request timeout, authentication (service key, or a signed link where allowed, or
 * the preview's session cookie when `npm start` serves the preview),
 * the per-key rate limit, JSON bodies up to 1 MB, zod validation of path, query and body (unknown fields
 * refused), and one rendering of every error as {"error":{"code","message"}}.
 */
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { AppError, toAppError } from '../app/app-error.js';
import { OrgNotRegisteredError } from '../backup/engine-factory.js';
import { requestScope } from '../logger.js';
import { canonicalId } from '../salesforce/record-id.js';
import { signedTarget } from '../secrets/link-signer.js';
import { buildOpenApiDocument } from './openapi.js';
import { previewRouter } from './preview-routes.js';
import type { HttpDeps, RouteAnswer, RouteSpec } from './route-spec.js';
import { errorRoutes } from './routes/error-routes.js';
import { fieldRoutes } from './routes/field-routes.js';
import { fileRoutes } from './routes/file-routes.js';
import { opsRoutes } from './routes/ops-routes.js';
import { orgRoutes } from './routes/org-routes.js';
import { recordRoutes } from './routes/record-routes.js';
import { settingsRoutes } from './routes/settings-routes.js';
import { route } from './route-spec.js';

export const API_VERSION = '1.0.0';
const BODY_LIMIT_BYTES = 1024 * 1024;

/** Every route the service answers, the API document included. */
export function apiRoutes(): RouteSpec[] {
  const routes = [
    ...orgRoutes,
    ...settingsRoutes,
    ...errorRoutes,
    ...recordRoutes,
    ...fileRoutes,
    ...fieldRoutes,
    ...opsRoutes,
  ];
  const document: RouteSpec = route({
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document',
    auth: 'none',
    answer: z.looseObject({ openapi: z.literal('3.1.0') }),
    errors: [],
    handle: (): Promise<RouteAnswer> =>
      Promise.resolve({ body: buildOpenApiDocument([...routes, document], API_VERSION) }),
  });
  return [...routes, document];
}

const expressPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');

function describeZodError(where: string, error: z.ZodError): string {
  return error.issues
    .map((i) => `${where}${i.path.length > 0 ? ` ${i.path.join('.')}` : ''}: ${i.message}`)
    .join('; ');
}

function parse<T>(where: string, schema: z.ZodType<T> | undefined, value: unknown): T {
  if (!schema) return undefined as T;
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError('INVALID_REQUEST', describeZodError(where, result.error));
  return result.data;
}

/** `Authorization: Bearer <key>` → the key's org, or the signed link's validity; the org in the path must match. */
async function authenticate(spec: RouteSpec, req: Request, deps: HttpDeps): Promise<string | undefined> {
  const header = req.get('authorization');
  const query = req.query as Record<string, unknown>;
  if (header === undefined && spec.auth === 'key-or-link' && typeof query.signature === 'string') {
    const signed = { expires: String(query.expires ?? ''), signature: query.signature };
    if (!deps.signer.verify(signedTarget(req.path, query), signed, deps.app.now()))
      throw new AppError('UNAUTHORIZED', 'this download link is not valid or has expired; ask for a new one');
    return undefined;
  }
  const previewOrg = header === undefined ? deps.preview?.access.authorise(req) : undefined;
  if (previewOrg !== undefined) {
    if (canonicalId(String(req.params.orgId ?? '')) !== previewOrg)
      throw new AppError('NOT_FOUND', new OrgNotRegisteredError(String(req.params.orgId ?? '')).message);
    return 'preview';
  }
  const match = header === undefined ? null : /^Bearer ([^\s]+)$/i.exec(header.trim());
  if (!match)
    throw new AppError('UNAUTHORIZED', 'send the service key as "Authorization: Bearer <key>"', {
      'WWW-Authenticate': 'Bearer realm="autobackup"',
    });
  const orgId = await deps.verifyKey(match[1]!);
  if (orgId === null)
    throw new AppError('UNAUTHORIZED', 'the service key is not valid (unknown, revoked or expired)', {
      'WWW-Authenticate': 'Bearer realm="autobackup", error="invalid_token"',
    });
  const pathOrg = String(req.params.orgId ?? '');
  // Another org's id answers exactly as an org that does not exist.
  if (canonicalId(pathOrg) !== orgId)
    throw new AppError('NOT_FOUND', new OrgNotRegisteredError(pathOrg).message);
  return match[1]!.split('_')[1];
}

async function rateLimit(keyId: string, res: Response, deps: HttpDeps): Promise<void> {
  const decision = await deps.limiter.consume(keyId);
  res.set({
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
  });
  if (!decision.allowed)
    throw new AppError(
      'RATE_LIMITED',
      `more than ${decision.limit} requests in a minute with this service key; try again in ${Math.ceil(decision.resetMs / 1000)} s`,
      { 'Retry-After': String(Math.max(1, Math.ceil(decision.resetMs / 1000))) },
    );
}

const jsonBody = express.json({ limit: BODY_LIMIT_BYTES, strict: true, type: () => true });

/** Parses a JSON body when one is sent; a body that is not JSON is refused, none at all counts as `{}`. */
function readBody(req: Request, res: Response): Promise<unknown> {
  const length = Number(req.get('content-length') ?? 0);
  const hasBody = length > 0 || req.get('transfer-encoding') !== undefined;
  if (!hasBody) return Promise.resolve({});
  if (!req.is('application/json'))
    return Promise.reject(
      new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `send the body as application/json (got ${req.get('content-type') ?? 'none'})`,
      ),
    );
  return new Promise((resolve, reject) => {
    jsonBody(req, res, (err?: unknown) => (err ? reject(bodyError(err)) : resolve(req.body as unknown)));
  });
}

function bodyError(err: unknown): AppError {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than 1 MB');
  if (type === 'entity.parse.failed') return new AppError('MALFORMED_JSON', 'the body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the body as UTF-8 JSON');
  return new AppError('INVALID_REQUEST', 'the body could not be read');
}

function renderError(err: unknown, req: Request, res: Response, deps: HttpDeps): void {
  const appError = toAppError(err);
  if (appError.code === 'INTERNAL') deps.app.logger.error({ type: 'http', err }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Whatever a route had set up for its own answer (a file name, a text type) does not apply to an error.
  res.removeHeader('Content-Disposition');
  res
    .status(appError.httpStatus)
    .set(appError.headers)
    .type('application/json')
    .json({ error: { code: appError.code, message: appError.message } });
}

function handlerFor(spec: RouteSpec, deps: HttpDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    res.locals.route = spec.path;
    try {
      if (spec.auth !== 'none') {
        const keyId = await authenticate(spec, req, deps);
        if (keyId !== undefined) await rateLimit(keyId, res, deps);
      }
      const params = parse('path', spec.params, req.params);
      // Public routes (probes, scrapers) ignore query parameters; API routes refuse the ones they do not know.
      const query =
        spec.auth === 'none' && !spec.query
          ? undefined
          : parse('query', spec.query ?? z.object({}).strict(), { ...(req.query as object) });
      const body = spec.body ? parse('body', spec.body, await readBody(req, res)) : undefined;
      const answer = await spec.handle({ params, query, body, req, res }, deps);
      if (answer === undefined || res.headersSent) return;
      res
        .status(answer.status ?? 200)
        .set(answer.headers ?? {})
        .json(answer.body);
    } catch (err) {
      next(err);
    }
  };
}

export function createHttpApp(deps: HttpDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag'); // settings set their own ETag; nothing else is cached
  const routes = apiRoutes();

  app.use((req, res, next) => {
    const given = req.get('x-request-id');
    const requestId = given && /^[A-Za-z0-9._-]{1,64}$/.test(given) ? given : randomUUID();
    res.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    const timer = setTimeout(() => {
      if (!res.headersSent)
        renderError(
          new AppError('TIMEOUT', `no answer within ${deps.requestTimeoutMs / 1000} s; try again`),
          req,
          res,
          deps,
        );
    }, deps.requestTimeoutMs);
    res.on('close', () => {
      clearTimeout(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const routeLabel = (res.locals.route as string | undefined) ?? 'unmatched';
      deps.metrics.httpRequests.inc({
        method: req.method,
        route: routeLabel,
        status: String(res.statusCode),
      });
      deps.metrics.httpDuration.observe({ method: req.method, route: routeLabel }, seconds);
      requestScope.run({ requestId }, () =>
        deps.app.logger.info(
          {
            type: 'http',
            method: req.method,
            route: routeLabel,
            status: res.statusCode,
            ms: Math.round(seconds * 1000),
          },
          'request',
        ),
      );
    });
    requestScope.run({ requestId }, next);
  });
  app.use(helmet());
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  app.use((req, _res, next) => {
    if (Number(req.get('content-length') ?? 0) > BODY_LIMIT_BYTES)
      next(new AppError('PAYLOAD_TOO_LARGE', 'the body is larger than 1 MB'));
    else next();
  });

  if (deps.preview) app.use(previewRouter(deps.preview));
  for (const spec of routes) app[spec.method](expressPath(spec.path), handlerFor(spec, deps));
  const methodsByPath = new Map<string, string[]>();
  for (const spec of routes)
    methodsByPath.set(spec.path, [...(methodsByPath.get(spec.path) ?? []), spec.method.toUpperCase()]);
  for (const [path, methods] of methodsByPath) {
    app.all(expressPath(path), (_req, _res, next) =>
      next(
        new AppError('METHOD_NOT_ALLOWED', `use ${methods.join(' or ')} here`, { Allow: methods.join(', ') }),
      ),
    );
  }
  app.use((req, _res, next) => next(new AppError('NOT_FOUND', `no route ${req.method} ${req.path}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) =>
    renderError(err, req, res, deps),
  );
  return app;
}
