import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { handleAdmin, isLoopback } from './admin.js';
import {
  compressBuffer,
  compressStream,
  contentCodings,
  decodeRequestBody,
  negotiate,
} from './compression.js';
import { LONG_REQUEST_LIMIT_MESSAGE } from './concurrency.js';
import type { DataRequest, SimContext, WireResponse } from './context.js';
import { json } from './context.js';
import { errorResponse, findDataRoute, runDataRoute } from './data-api.js';
import { notFound, OAuthError, sessionInvalid, WireError } from './errors.js';
import type { FaultRule } from './faults.js';
import { identityAuthError, identityBody, userinfoBody } from './identity.js';
import { handleRevoke, handleToken } from './oauth.js';
import type { LoggedRequest } from './request-log.js';
import type { Session } from './sessions.js';
import { isServedVersion, versionList } from './versions.js';

/**
 * The HTTP front of the simulator: one `node:http` server that normalises paths (the CLI sends
 * `//services/...`), stamps the simulated clock into `Date`, applies fault rules, sends OAuth,
 * identity, data-API and admin requests to their handlers, authenticates, counts API calls and
 * renders responses (JSON, empty, or streamed bytes), compressed when the client accepts it and
 * request bodies decompressed (./compression.ts).
 */
const URI_LIMIT = 16_384;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = 'application/json;charset=UTF-8';

function readBody(req: IncomingMessage, stats?: SimContext['stats']): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new WireError(413, 'REQUEST_ENTITY_TOO_LARGE', `Request body exceeds ${MAX_BODY_BYTES} bytes`),
        );
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        const codings = contentCodings(req.headers['content-encoding']);
        for (const c of codings) stats?.recordRequestCoding(c);
        const raw = Buffer.concat(chunks);
        const body = codings.length > 0 ? decodeRequestBody(raw, codings, MAX_BODY_BYTES) : raw;
        resolve(body.toString('utf8'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

/** Counts the bytes that pass (response sizes before and after compression, for /__sim/stats). */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

function headerBytes(req: IncomingMessage): number {
  let n = 0;
  for (let i = 0; i < req.rawHeaders.length; i++) n += (req.rawHeaders[i] ?? '').length + 2;
  return n;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (!auth) return undefined;
  const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(auth);
  return m?.[1];
}

function html(status: number, title: string): WireResponse {
  return {
    status,
    stream: [
      Buffer.from(
        `<html><head><title>${title}</title></head><body><h1>${status} ${title}</h1></body></html>`,
      ),
    ],
    headers: { 'Content-Type': 'text/html;charset=UTF-8' },
  };
}

/**
 * Writes a response. `ctx` is given for the Salesforce API (not the admin API): its bodies are
 * compressed as the client's Accept-Encoding allows, and counted in the stats.
 */
async function send(
  req: IncomingMessage,
  res: ServerResponse,
  r: WireResponse,
  extra: Record<string, string>,
  ctx?: SimContext,
): Promise<void> {
  const headers: Record<string, string> = { ...extra, ...(r.headers ?? {}) };
  const head = req.method === 'HEAD';
  const coding = ctx && !head && !('empty' in r) ? negotiate(req.headers['accept-encoding']) : null;
  if (ctx) headers.Vary = 'Accept-Encoding';
  if ('json' in r) {
    const pretty = req.headers['x-prettyprint'] === '1';
    const text = Buffer.from(JSON.stringify(r.json, null, pretty ? 2 : undefined));
    const body = coding ? await compressBuffer(coding, text) : text;
    ctx?.stats.recordResponse(coding ?? 'identity', text.length, body.length);
    res.writeHead(r.status, {
      ...headers,
      'Content-Type': JSON_TYPE,
      'Content-Length': body.length,
      ...(coding ? { 'Content-Encoding': coding } : {}),
    });
    res.end(head ? undefined : body);
    return;
  }
  if ('empty' in r) {
    res.writeHead(r.status, headers);
    res.end();
    return;
  }
  if (coding) {
    headers['Content-Encoding'] = coding;
    delete headers['Content-Length'];
  }
  res.writeHead(r.status, headers);
  if (head) {
    res.end();
    return;
  }
  const source = r.stream instanceof Readable ? r.stream : Readable.from(r.stream);
  try {
    if (!ctx) {
      await pipeline(source, res);
      return;
    }
    const before = new ByteCounter();
    const after = new ByteCounter();
    if (coding) await pipeline(source, before, compressStream(coding), after, res);
    else await pipeline(source, before, res);
    ctx.stats.recordResponse(coding ?? 'identity', before.bytes, coding ? after.bytes : before.bytes);
  } catch {
    // The client went away or the source failed mid-body: nothing more can be said on this socket.
    res.destroy();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** Applies a fault rule; returns the response to send, or undefined to go on normally. */
async function applyFault(
  ctx: SimContext,
  rule: FaultRule,
  req: IncomingMessage,
  signal: AbortSignal,
): Promise<WireResponse | 'drop' | undefined> {
  if (rule.delayMs > 0) await sleep(rule.delayMs, signal);
  if (signal.aborted) return 'drop';
  switch (rule.action) {
    case 'reset':
      req.socket.destroy();
      return 'drop';
    case 'hang':
      await ctx.faults.waitForClear(signal);
      return signal.aborted ? 'drop' : undefined;
    case 'status':
      if (rule.format === 'html') return html(rule.status, rule.message);
      return json(rule.status, new WireError(rule.status, rule.errorCode, rule.message).toBody());
    default:
      return undefined;
  }
}

function lookupSession(ctx: SimContext, token: string | undefined): Session | undefined {
  return token ? ctx.sessions.lookup(token) : undefined;
}

async function dataApi(
  ctx: SimContext,
  req: IncomingMessage,
  method: string,
  version: string,
  rest: string,
  query: URLSearchParams,
  logged: LoggedRequest | undefined,
): Promise<{ response: WireResponse; headers: Record<string, string> }> {
  if (!isServedVersion(version, ctx.apiVersion)) return { response: errorResponse(notFound()), headers: {} };
  let match;
  try {
    match = findDataRoute(method, rest);
  } catch (err) {
    return { response: errorResponse(err), headers: {} };
  }
  const session = lookupSession(ctx, bearerToken(req));
  if (!session) {
    return { response: json(401, sessionInvalid().toBody()), headers: { 'WWW-Authenticate': 'Token' } };
  }
  const counted = match.route.counted !== false;
  ctx.stats.record(match.route.kind, counted);
  if (counted && !ctx.limits.consume()) {
    ctx.stats.recordRefused();
    const err = new WireError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    return { response: json(403, err.toBody()), headers: { 'Sforce-Limit-Info': ctx.limits.header() } };
  }
  let bodyText = '';
  try {
    bodyText = method === 'GET' || method === 'HEAD' ? '' : await readBody(req, ctx.stats);
  } catch (err) {
    return { response: errorResponse(err), headers: {} };
  }
  const dataReq: DataRequest = {
    // A HEAD runs as its GET; send() leaves the body out.
    method: method === 'HEAD' ? 'GET' : method,
    rest,
    query,
    headers: req.headers,
    params: match.params,
    apiVersion: version,
    session,
    bodyText,
    sub: false,
    ...(logged ? { logged } : {}),
  };
  const response = await runDataRoute(ctx, match, dataReq);
  return { response, headers: { 'Sforce-Limit-Info': ctx.limits.header() } };
}

async function dispatch(
  ctx: SimContext,
  req: IncomingMessage,
  method: string,
  path: string,
  query: URLSearchParams,
  logged: LoggedRequest | undefined,
): Promise<{ response: WireResponse; headers: Record<string, string> }> {
  const none = {};
  if (path === '/services/data' || path === '/services/data/') {
    ctx.stats.record('versions', false);
    if (method !== 'GET' && method !== 'HEAD')
      return {
        response: errorResponse(
          new WireError(
            405,
            'METHOD_NOT_ALLOWED',
            `HTTP Method '${method}' not allowed. Allowed are GET,HEAD`,
          ),
        ),
        headers: none,
      };
    return { response: json(200, versionList(ctx.apiVersion)), headers: none };
  }
  const data = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
  if (data) return dataApi(ctx, req, method, data[1] ?? '', data[2] ?? '', query, logged);
  if (path === '/services/oauth2/token' || path === '/services/oauth2/revoke') {
    ctx.stats.record('oauth', false);
    if (method !== 'POST')
      return {
        response: errorResponse(
          new WireError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are POST`),
        ),
        headers: none,
      };
    try {
      const body = await readBody(req, ctx.stats);
      const response = path.endsWith('/token')
        ? handleToken(ctx, body, req.headers)
        : handleRevoke(ctx, body, query);
      return {
        response,
        headers: { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
      };
    } catch (err) {
      if (err instanceof OAuthError)
        return {
          response: json(err.status, { error: err.error, error_description: err.description }),
          headers: none,
        };
      if (err instanceof WireError) return { response: errorResponse(err), headers: none };
      throw err;
    }
  }
  const identity = /^\/id\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (path === '/services/oauth2/userinfo' || identity) {
    ctx.stats.record('identity', false);
    const token = bearerToken(req) ?? query.get('oauth_token') ?? undefined;
    const session = lookupSession(ctx, token);
    if (!session) return { response: identityAuthError(token), headers: none };
    if (!identity) return { response: userinfoBody(ctx, session), headers: none };
    const [, org, user] = identity;
    const sameOrg = org?.slice(0, 15) === ctx.org.orgId.slice(0, 15);
    const sameUser = user?.slice(0, 15) === session.userId.slice(0, 15);
    if (!sameOrg || !sameUser)
      return {
        response: {
          status: 403,
          stream: [Buffer.from('Bad_Id')],
          headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
        },
        headers: none,
      };
    return { response: identityBody(ctx, session), headers: none };
  }
  return { response: errorResponse(notFound()), headers: none };
}

async function handle(ctx: SimContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('Date', new Date(ctx.org.clock.nowMs()).toUTCString());
  const rawUrl = req.url ?? '/';
  if (rawUrl.length > URI_LIMIT) return send(req, res, html(414, 'URI Too Long'), {}, ctx);
  if (rawUrl.length + headerBytes(req) > URI_LIMIT)
    return send(req, res, html(431, 'Request Header Fields Too Large'), {}, ctx);
  const q = rawUrl.indexOf('?');
  const path = (q < 0 ? rawUrl : rawUrl.slice(0, q)).replace(/\/{2,}/g, '/');
  const search = q < 0 ? '' : rawUrl.slice(q + 1);
  const query = new URLSearchParams(search);
  const method = (req.method ?? 'GET').toUpperCase();

  if (path === '/__sim' || path.startsWith('/__sim/')) {
    if (!isLoopback(req))
      return send(req, res, json(403, { error: 'the admin API answers loopback clients only' }), {});
    const body = method === 'GET' ? '' : await readBody(req);
    return send(req, res, await handleAdmin(ctx, method, path, query, body), {});
  }

  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const logged = ctx.requests.begin(method, path, query, bearerToken(req));
  if (logged) res.on('close', () => ctx.requests.end(logged, res.statusCode));
  if (path.startsWith('/services/data/v')) {
    // An API request runs (and may become long-running) until its response is done or dropped.
    const release = ctx.concurrency.admit();
    if (!release) {
      ctx.stats.record('refused:concurrentLongRequests', false);
      const err = new WireError(403, 'REQUEST_LIMIT_EXCEEDED', LONG_REQUEST_LIMIT_MESSAGE);
      return send(req, res, json(403, err.toBody()), {}, ctx);
    }
    res.on('close', release);
  }
  const rule = ctx.faults.match(search ? `${path}?${search}` : path, ['status', 'reset', 'hang', 'delay']);
  if (rule) {
    ctx.stats.record(`fault:${rule.action}`, false);
    const outcome = await applyFault(ctx, rule, req, abort.signal);
    if (outcome === 'drop') return;
    if (outcome) return send(req, res, outcome, {}, ctx);
  }
  const { response, headers } = await dispatch(ctx, req, method, path, query, logged);
  if (logged) ctx.requests.learn(logged, response);
  await send(req, res, response, headers, ctx);
}

export function createWireServer(ctx: SimContext): Server {
  const server = createServer({ maxHeaderSize: 256 * 1024, requestTimeout: 0 }, (req, res) => {
    handle(ctx, req, res).catch((err: unknown) => {
      console.error('[sf-sim] request failed:', err);
      if (!res.headersSent) {
        const r = errorResponse(err);
        void send(req, res, r, {}, ctx);
      } else {
        res.destroy();
      }
    });
  });
  return server;
}
