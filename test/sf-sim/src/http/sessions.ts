import { tokenChars } from './ids.js';

/**
 * Access and refresh tokens of the simulated org. Access tokens look like real ones,
 * `<15-char org id>!<opaque>` (the Salesforce CLI rejects anything else, facts §0), and live
 * `ttlMs` on the simulated clock (no expiry until a lifetime is set through the admin API).
 */
export interface Session {
  token: string;
  userId: string;
  issuedAt: number;
  expiresAt: number | null;
  grant: string;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly refreshTokens = new Map<string, { userId: string }>();
  private ttl: number | null = null;

  constructor(
    private readonly orgId15: string,
    private readonly now: () => number,
  ) {}

  get ttlMs(): number | null {
    return this.ttl;
  }

  /** Lifetime of tokens issued from now on, and of the ones already issued (like a changed org session setting). */
  setTtl(ttlMs: number | null): void {
    if (ttlMs !== null && (!Number.isFinite(ttlMs) || ttlMs < 0)) {
      throw new Error(`ttlMs must be a non-negative number or null, got ${ttlMs}`);
    }
    this.ttl = ttlMs;
    for (const s of this.sessions.values()) s.expiresAt = ttlMs === null ? null : s.issuedAt + ttlMs;
  }

  issue(userId: string, grant: string): Session {
    const issuedAt = this.now();
    const session: Session = {
      token: `${this.orgId15}!AQ${tokenChars(8)}.${tokenChars(96)}`,
      userId,
      issuedAt,
      expiresAt: this.ttl === null ? null : issuedAt + this.ttl,
      grant,
    };
    this.sessions.set(session.token, session);
    return session;
  }

  /** The live session of a token, or undefined when unknown, revoked or expired. */
  lookup(token: string): Session | undefined {
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt !== null && this.now() >= session.expiresAt) {
      this.sessions.delete(token);
      return undefined;
    }
    return session;
  }

  issueRefreshToken(userId: string): string {
    const token = `5Aep${tokenChars(83)}`;
    this.refreshTokens.set(token, { userId });
    return token;
  }

  lookupRefreshToken(token: string): { userId: string } | undefined {
    return this.refreshTokens.get(token);
  }

  revoke(token: string): boolean {
    return this.sessions.delete(token) || this.refreshTokens.delete(token);
  }

  /** Ends every session and refresh token: clients must log in again. */
  revokeAll(): number {
    const n = this.sessions.size + this.refreshTokens.size;
    this.sessions.clear();
    this.refreshTokens.clear();
    return n;
  }

  get activeCount(): number {
    let n = 0;
    for (const token of this.sessions.keys()) if (this.lookup(token)) n++;
    return n;
  }
}
