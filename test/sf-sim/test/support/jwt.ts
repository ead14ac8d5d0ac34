import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Builds the RS256 JWT bearer assertion Salesforce's JWT flow expects (jsforce has no signer). */
export function jwtAssertion(opts: {
  clientId: string;
  username: string;
  audience: string;
  privateKeyPath: string;
  expiresInSec?: number;
}): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256' })).toString('base64url');
  const claims = Buffer.from(
    JSON.stringify({
      iss: opts.clientId,
      sub: opts.username,
      aud: opts.audience,
      exp: Math.floor(Date.now() / 1000) + (opts.expiresInSec ?? 180),
    }),
  ).toString('base64url');
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  const signature = signer.sign(readFileSync(opts.privateKeyPath, 'utf8')).toString('base64url');
  return `${header}.${claims}.${signature}`;
}
