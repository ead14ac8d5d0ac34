/**
 * Registering an org: check the input, store secrets sealed or as references, prove the credentials by
 * connecting (which also tells the org id), record the org — enabled unless registered paused — and issue the
 * first service key for the package's External Credential.
 */
import type { Knex } from 'knex';
import type { Logger } from '../logger.js';
import { SalesforceSession } from '../salesforce/session.js';
import { sealSecretInput } from '../secrets/secret-ref.js';
import { insertOrg, type StoredOrgAuth } from '../store/orgs/org-repository.js';
import { issueServiceKey } from '../store/orgs/service-key-repository.js';
import { connectionSettings, secretPurpose } from './org-connection.js';

export interface RegisterOrgInput {
  instanceUrl: string;
  loginUrl?: string | undefined;
  clientId: string;
  clientSecret?: string | undefined;
  privateKey?: string | undefined;
  username?: string | undefined;
  paused?: boolean | undefined;
}

export class RegistrationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistrationInputError';
  }
}

const DEFAULT_LOGIN_URL = 'https://login.salesforce.com';

function checkUrl(value: string, option: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RegistrationInputError(
      `${option}: "${value}" is not a URL; expected e.g. https://acme.my.salesforce.com`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RegistrationInputError(`${option}: expected an https:// URL, got ${url.protocol}`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function buildStoredAuth(
  input: RegisterOrgInput,
  masterKey: Buffer,
): { instanceUrl: string; loginUrl: string; auth: StoredOrgAuth } {
  const instanceUrl = checkUrl(input.instanceUrl, '--instance-url');
  const loginUrl = checkUrl(input.loginUrl ?? DEFAULT_LOGIN_URL, '--login-url');
  if (!input.clientId.trim())
    throw new RegistrationInputError('--client-id: empty; give the consumer key of the connected app');
  const jwt = input.privateKey !== undefined || input.username !== undefined;
  if (jwt && input.clientSecret !== undefined) {
    throw new RegistrationInputError(
      'give either --client-secret, or --private-key with --username, not both',
    );
  }
  if (jwt) {
    if (input.privateKey === undefined)
      throw new RegistrationInputError('--username needs --private-key (the JWT signing key)');
    if (input.username === undefined || !input.username.trim())
      throw new RegistrationInputError('--private-key needs --username (the integration user)');
    return {
      instanceUrl,
      loginUrl,
      auth: {
        kind: 'jwt',
        clientId: input.clientId,
        username: input.username.trim(),
        privateKey: sealSecretInput(
          input.privateKey,
          masterKey,
          secretPurpose(instanceUrl, input.clientId, 'privateKey'),
          '--private-key',
        ),
      },
    };
  }
  if (input.clientSecret === undefined) {
    throw new RegistrationInputError(
      'give --client-secret (client credentials flow), or --private-key with --username (JWT bearer flow)',
    );
  }
  return {
    instanceUrl,
    loginUrl,
    auth: {
      kind: 'client-credentials',
      clientId: input.clientId,
      clientSecret: sealSecretInput(
        input.clientSecret,
        masterKey,
        secretPurpose(instanceUrl, input.clientId, 'clientSecret'),
        '--client-secret',
      ),
    },
  };
}

export async function registerOrg(
  input: RegisterOrgInput,
  deps: { knex: Knex; masterKey: Buffer; logger: Logger; apiBudgetShare?: number },
): Promise<{ orgId: string; serviceKey: string; keyId: string; enabled: boolean }> {
  const stored = buildStoredAuth(input, deps.masterKey);
  const session = await SalesforceSession.connect(connectionSettings(stored, deps.masterKey), deps.logger);
  const orgId = session.identity.orgId;
  if (!/^00D[0-9A-Za-z]{15}$/.test(orgId)) {
    throw new RegistrationInputError(
      `the org answered with an unexpected org id "${orgId}"; is --instance-url a Salesforce org?`,
    );
  }
  const enabled = !input.paused;
  return deps.knex.transaction(async (trx) => {
    // The deployment's AUTOBACKUP_API_BUDGET_SHARE is a new org's budget share; the org's settings change it later.
    const share = deps.apiBudgetShare !== undefined ? { apiBudgetShare: deps.apiBudgetShare } : {};
    await insertOrg(trx, { orgId, ...stored, enabled, ...share });
    const key = await issueServiceKey(trx, orgId);
    deps.logger.info({ type: 'org-registered', orgId, enabled, keyId: key.keyId }, 'org registered');
    return { orgId, serviceKey: key.serviceKey, keyId: key.keyId, enabled };
  });
}
