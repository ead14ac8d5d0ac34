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

/**
 * What a link signs: the path, plus its query parameters other than `expires` and `signature` (sorted), so a
 * link to one version of a file cannot be turned into a link to another. A path without other parameters signs
 * as the path alone.
 */
export function signedTarget(path: string, query: Record<string, unknown> = {}): string {
  const rest = Object.keys(query)
    .filter((k) => k !== 'expires' && k !== 'signature')
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(String(query[k]))}`);
  return rest.length === 0 ? path : `${path}?${rest.join('&')}`;
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
