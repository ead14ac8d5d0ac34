/**
 * The signed assertion of the OAuth 2.0 JWT bearer flow (Salesforce help: "OAuth 2.0 JWT Bearer Flow for
 * Server-to-Server Integration"): RS256 over {iss: client id, sub: username, aud: login host, exp}.
 */
import { createSign } from 'node:crypto';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function buildJwtAssertion(options: {
  clientId: string;
  username: string;
  /** The login host the org authenticates against, e.g. https://login.salesforce.com or a My Domain URL. */
  audience: string;
  privateKeyPem: string;
  nowMs?: number;
}): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const exp = Math.floor((options.nowMs ?? Date.now()) / 1000) + 180; // Salesforce accepts at most a few minutes
  const claims = b64url(
    JSON.stringify({ iss: options.clientId, sub: options.username, aud: options.audience, exp }),
  );
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  return `${header}.${claims}.${b64url(signer.sign(options.privateKeyPem))}`;
}
