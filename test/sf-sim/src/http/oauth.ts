import { createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { SimContext, WireResponse } from './context.js';
import { OAuthError } from './errors.js';
import type { Session } from './sessions.js';

/**
 * `POST /services/oauth2/token` (Salesforce Help, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration":
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5, and "OAuth 2.0 Client Credentials Flow":
 * https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5): the JWT bearer grant (RS256,
 * checked against the connected app's certificate key), client credentials, password and refresh
 * token grants. Errors are `{"error","error_description"}` with 400 as Salesforce sends them.
 * Token calls do not count against the daily API allocation.
 */
const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const REAL_LOGIN_HOSTS = ['https://login.salesforce.com', 'https://test.salesforce.com'];

let cachedKey: { pem: string; key: KeyObject } | undefined;
function publicKey(pem: string): KeyObject {
  if (cachedKey?.pem !== pem) cachedKey = { pem, key: createPublicKey(pem) };
  return cachedKey.key;
}

function parseForm(bodyText: string, headers: IncomingHttpHeaders): URLSearchParams {
  const type = String(headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    // Not what Salesforce accepts, but a clear answer beats a confusing one.
    throw new OAuthError(
      400,
      'invalid_request',
      'the token request must be form-encoded (application/x-www-form-urlencoded)',
    );
  }
  return new URLSearchParams(bodyText);
}

function basicCredentials(headers: IncomingHttpHeaders): { id: string; secret: string } | undefined {
  const auth = headers.authorization;
  if (!auth?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

function decodeJwtPart(part: string | undefined): Record<string, unknown> {
  if (!part) throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (!value || typeof value !== 'object') throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
  }
}

/** Audiences a JWT may name: this simulator (under either loopback name) or the real login hosts. */
function acceptedAudiences(baseUrl: string): Set<string> {
  const set = new Set(REAL_LOGIN_HOSTS);
  const u = new URL(baseUrl);
  for (const host of [u.hostname, 'localhost', '127.0.0.1']) set.add(`${u.protocol}//${host}:${u.port}`);
  return set;
}

function verifyJwt(assertion: string, ctx: SimContext): string {
  const parts = assertion.split('.');
  if (parts.length !== 3) throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
  const header = decodeJwtPart(parts[0]);
  const claims = decodeJwtPart(parts[1]);
  if (header.alg !== 'RS256') throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
  if (claims.iss !== ctx.credentials.clientId)
    throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2] ?? '', 'base64url');
  if (!verify('sha256', signed, publicKey(ctx.credentials.publicKeyPem), signature)) {
    throw new OAuthError(400, 'invalid_grant', 'invalid assertion');
  }
  const aud = typeof claims.aud === 'string' ? claims.aud.replace(/\/+$/, '') : '';
  if (!acceptedAudiences(ctx.baseUrl).has(aud))
    throw new OAuthError(400, 'invalid_grant', 'audience is invalid');
  // exp is checked against real time: the client signs with its own (real) clock.
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
    throw new OAuthError(400, 'invalid_grant', 'expired authorization code');
  }
  if (claims.sub !== ctx.org.integrationUser.username) {
    throw new OAuthError(400, 'invalid_grant', "user hasn't approved this consumer");
  }
  return ctx.org.integrationUser.id;
}

function checkClient(
  ctx: SimContext,
  id: string | null,
  secret: string | null,
  secretRequired: boolean,
): void {
  if (!id || id !== ctx.credentials.clientId)
    throw new OAuthError(400, 'invalid_client_id', 'client identifier invalid');
  if ((secretRequired || secret !== null) && secret !== ctx.credentials.clientSecret) {
    throw new OAuthError(400, 'invalid_client', 'invalid client credentials');
  }
}

export function identityUrl(ctx: SimContext, userId: string): string {
  return `${ctx.baseUrl}/id/${ctx.org.orgId}/${userId}`;
}

function tokenResponse(ctx: SimContext, session: Session, extra: Record<string, string> = {}): WireResponse {
  const id = identityUrl(ctx, session.userId);
  const issuedAt = String(session.issuedAt);
  const signature = createHmac('sha256', ctx.credentials.clientSecret)
    .update(id + issuedAt)
    .digest('base64');
  return {
    status: 200,
    json: {
      access_token: session.token,
      ...extra,
      signature,
      scope: 'api',
      instance_url: ctx.baseUrl,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    },
  };
}

export function handleToken(ctx: SimContext, bodyText: string, headers: IncomingHttpHeaders): WireResponse {
  const form = parseForm(bodyText, headers);
  const grant = form.get('grant_type');
  const basic = basicCredentials(headers);
  const clientId = form.get('client_id') ?? basic?.id ?? null;
  const clientSecret = form.get('client_secret') ?? basic?.secret ?? null;
  switch (grant) {
    case null:
      throw new OAuthError(400, 'invalid_request', 'grant type is missing');
    case JWT_GRANT: {
      const userId = verifyJwt(form.get('assertion') ?? '', ctx);
      return tokenResponse(ctx, ctx.sessions.issue(userId, 'jwt'));
    }
    case 'client_credentials': {
      checkClient(ctx, clientId, clientSecret, true);
      return tokenResponse(ctx, ctx.sessions.issue(ctx.org.integrationUser.id, 'client_credentials'));
    }
    case 'password': {
      checkClient(ctx, clientId, clientSecret, true);
      if (
        form.get('username') !== ctx.org.integrationUser.username ||
        form.get('password') !== ctx.credentials.password
      ) {
        throw new OAuthError(400, 'invalid_grant', 'authentication failure');
      }
      return tokenResponse(ctx, ctx.sessions.issue(ctx.org.integrationUser.id, 'password'));
    }
    case 'refresh_token': {
      checkClient(ctx, clientId, clientSecret, false);
      const refresh = ctx.sessions.lookupRefreshToken(form.get('refresh_token') ?? '');
      if (!refresh) throw new OAuthError(400, 'invalid_grant', 'expired access/refresh token');
      return tokenResponse(ctx, ctx.sessions.issue(refresh.userId, 'refresh_token'));
    }
    default:
      throw new OAuthError(400, 'unsupported_grant_type', 'grant type not supported');
  }
}

/** `POST /services/oauth2/revoke` (token=…): ends an access or refresh token; 200 either way except unknown. */
export function handleRevoke(ctx: SimContext, bodyText: string, query: URLSearchParams): WireResponse {
  const token = new URLSearchParams(bodyText).get('token') ?? query.get('token') ?? '';
  if (!ctx.sessions.revoke(token))
    throw new OAuthError(400, 'unsupported_token_type', 'this token type is not supported');
  return { status: 200, empty: true };
}
