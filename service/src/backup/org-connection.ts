/** From a registered org's stored settings to a live Salesforce session (secrets revealed only when used). */
import type { Logger } from '../logger.js';
import { SalesforceSession, type OrgConnectionSettings } from '../salesforce/session.js';
import { revealSecret } from '../secrets/secret-ref.js';
import type { OrgRecord, StoredOrgAuth } from '../store/orgs/org-repository.js';

/** What a sealed secret is bound to: the org's instance and client id, and which secret it is. */
export function secretPurpose(
  instanceUrl: string,
  clientId: string,
  which: 'clientSecret' | 'privateKey',
): string {
  return `${instanceUrl}|${clientId}|${which}`;
}

export function connectionSettings(
  org: { instanceUrl: string; loginUrl: string; auth: StoredOrgAuth },
  masterKey: Buffer,
): OrgConnectionSettings {
  const { auth } = org;
  return {
    instanceUrl: org.instanceUrl,
    loginUrl: org.loginUrl,
    clientId: auth.clientId,
    auth:
      auth.kind === 'jwt'
        ? {
            kind: 'jwt',
            username: auth.username,
            privateKey: () =>
              revealSecret(
                auth.privateKey,
                masterKey,
                secretPurpose(org.instanceUrl, auth.clientId, 'privateKey'),
              ),
          }
        : {
            kind: 'client-credentials',
            clientSecret: () =>
              revealSecret(
                auth.clientSecret,
                masterKey,
                secretPurpose(org.instanceUrl, auth.clientId, 'clientSecret'),
              ),
          },
  };
}

export function connectOrg(org: OrgRecord, masterKey: Buffer, logger: Logger): Promise<SalesforceSession> {
  return SalesforceSession.connect(connectionSettings(org, masterKey), logger.child({ orgId: org.orgId }));
}
