/**
 * Signed, short-lived download links: a user's browser follows them without the service key, so the link itself
 * proves it was issued. HMAC-SHA256 over the method, path and expiry, keyed by a key derived from the master key
 * (every replica shares it, and it never signs anything else).
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export interface SignedQuery {
  expires: string;
  signature: string;
}

export class LinkSigner {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'autobackup signed links', 32));
  }

  private mac(path: string, expires: number): Buffer {
    return createHmac('sha256', this.key).update(`GET\n${path}\n${expires}`).digest();
  }

  /** The query that makes `path` downloadable until `expiresAt` (whole seconds). */
  sign(path: string, expiresAt: Date): SignedQuery {
    const expires = Math.floor(expiresAt.getTime() / 1000);
    return { expires: String(expires), signature: this.mac(path, expires).toString('base64url') };
  }

  /** True when the query was signed for `path` and has not expired at `now`. */
  verify(path: string, query: SignedQuery, now: Date): boolean {
    if (!/^\d{1,12}$/.test(query.expires) || !/^[A-Za-z0-9_-]{43}$/.test(query.signature)) return false;
    const expires = Number(query.expires);
    if (expires * 1000 <= now.getTime()) return false;
    return timingSafeEqual(this.mac(path, expires), Buffer.from(query.signature, 'base64url'));
  }
}
