/**
 * Who may use the dashboard preview (`npm start`): a browser that opened the one-time login link printed at
 * start holds a random session key in a cookie (HttpOnly, SameSite=Strict, Path=/), which authorises the
 * preview page and the API calls of that page — for the one org the preview shows, and only while this
 * process runs (sessions live in memory). A request that changes something (PUT, POST, DELETE) with the cookie
 * must also carry an `Origin` equal to the service's own, so no other site can make a browser send one.
 *
 * Plain `autobackup serve` creates none of this: the preview is on only when startService is given it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError } from '../app/app-error.js';

export const PREVIEW_COOKIE = 'autobackup_preview';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The value of one cookie of the request, or undefined. */
function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export class PreviewAccess {
  /** Digests of login tokens not used yet. */
  private readonly loginTokens = new Set<string>();
  /** Digests of session keys handed out. */
  private readonly sessions: Buffer[] = [];

  constructor(
    /** The org the preview shows; the cookie authorises this org's API only. */
    readonly orgId: string,
  ) {}

  /** A new one-time login path (`/preview/login?token=…`); it works once. */
  newLoginPath(): string {
    const token = randomBytes(24).toString('base64url');
    this.loginTokens.add(digest(token).toString('hex'));
    return `/preview/login?token=${token}`;
  }

  /** Spends a login token: the cookie value of a new session, or null when the token is unknown or used. */
  redeem(token: string): string | null {
    const key = digest(token).toString('hex');
    if (!this.loginTokens.delete(key)) return null;
    const session = randomBytes(32).toString('base64url');
    this.sessions.push(digest(session));
    return session;
  }

  /** The `Set-Cookie` value for a session. */
  static cookie(session: string): string {
    return `${PREVIEW_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** Whether the request carries the cookie of a session of this process. */
  hasSession(req: Request): boolean {
    const presented = cookieOf(req, PREVIEW_COOKIE);
    if (!presented) return false;
    const wanted = digest(presented);
    return this.sessions.some((s) => timingSafeEqual(s, wanted));
  }

  /**
   * The org the request may act for through its cookie, or undefined when it has no preview cookie (then the
   * service key decides). A state-changing request must come from the service's own origin (403 otherwise).
   */
  authorise(req: Request): string | undefined {
    if (cookieOf(req, PREVIEW_COOKIE) === undefined) return undefined;
    if (!this.hasSession(req))
      throw new AppError(
        'UNAUTHORIZED',
        'this preview session is not valid (the service restarted?); open the login link npm start printed',
      );
    if (!SAFE_METHODS.has(req.method)) {
      const origin = req.get('origin');
      const own = `${req.protocol}://${req.get('host') ?? ''}`;
      if (origin !== own)
        throw new AppError(
          'FORBIDDEN',
          `a change through the preview must come from its own page (Origin ${own}, got ${origin ?? 'none'})`,
        );
    }
    return this.orgId;
  }
}
