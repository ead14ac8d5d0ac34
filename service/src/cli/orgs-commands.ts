/**
 * `autobackup orgs …`: register orgs, list them, and manage the service keys the package uses.
 * `orgs add` prints exactly one JSON line on stdout: {"orgId","serviceKey"}.
 */
import type { Command } from 'commander';
import { findRegisteredOrg } from '../backup/engine-factory.js';
import { registerOrg } from '../backup/org-registration.js';
import type { DatabaseRuntime } from '../runtime.js';
import { loadMasterKey } from '../secrets/master-key.js';
import { describeSecret } from '../secrets/secret-ref.js';
import { SalesforceError } from '../salesforce/errors.js';
import { enableBackup } from '../app/settings.js';
import { listOrgs, type OrgRecord } from '../store/orgs/org-repository.js';
import { listServiceKeys, revokeServiceKey, rotateServiceKey } from '../store/orgs/service-key-repository.js';
import { appContext, checkOrgId, withDatabase } from './cli-support.js';
import { CliUsageError } from './errors.js';

const printJson = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

/** Runs `fn` on a registered org named by --org. */
function withOrg(
  orgOption: string,
  fn: (runtime: DatabaseRuntime, org: OrgRecord) => Promise<void>,
): Promise<void> {
  const orgId = checkOrgId(orgOption);
  return withDatabase(async (runtime) => {
    const org = await findRegisteredOrg(runtime.knex, orgId);
    await fn(runtime, org);
  });
}

type AddOptions = {
  instanceUrl: string;
  clientId: string;
  clientSecret?: string;
  privateKey?: string;
  username?: string;
  loginUrl?: string;
  paused?: boolean;
};

export function registerOrgsCommands(program: Command): void {
  const orgs = program.command('orgs').description('registered Salesforce orgs and their service keys');

  orgs
    .command('add')
    .description(
      'registers an org (verifying the connection) and starts Auto Backup; prints {"orgId","serviceKey"}',
    )
    .requiredOption('--instance-url <url>', "the org's My Domain URL, e.g. https://acme.my.salesforce.com")
    .requiredOption('--client-id <id>', 'consumer key of the connected app (or external client app)')
    .option(
      '--client-secret <secret>',
      'client credentials flow: the consumer secret (literal, env:NAME or file:PATH)',
    )
    .option('--private-key <key>', 'JWT bearer flow: the PEM signing key (literal, env:NAME or file:PATH)')
    .option('--username <user>', 'JWT bearer flow: the integration user')
    .option('--login-url <url>', 'JWT bearer flow: the login host (default https://login.salesforce.com)')
    .option('--paused', 'register without starting backups (start them later with "orgs enable")')
    .action((opts: AddOptions) =>
      withDatabase(async (runtime) => {
        const masterKey = await loadMasterKey(runtime.config);
        try {
          const result = await registerOrg(opts, {
            knex: runtime.knex,
            masterKey,
            logger: runtime.logger,
            apiBudgetShare: runtime.config.apiBudgetShare,
          });
          printJson({ orgId: result.orgId, serviceKey: result.serviceKey });
        } catch (err) {
          if (err instanceof SalesforceError)
            throw new CliUsageError(`could not connect to ${opts.instanceUrl}: ${err.message}`);
          throw err;
        }
      }),
    );

  orgs
    .command('list')
    .description('the registered orgs')
    .option('--json', 'one JSON line on stdout')
    .action((opts: { json?: boolean }) =>
      withDatabase(async (runtime) => {
        const items = (await listOrgs(runtime.knex)).map((o) => ({
          orgId: o.orgId,
          instanceUrl: o.instanceUrl,
          auth: o.auth.kind,
          clientId: o.auth.clientId,
          secret: describeSecret(o.auth.kind === 'jwt' ? o.auth.privateKey : o.auth.clientSecret),
          enabled: o.enabled,
          mode: o.mode,
          schedule: o.schedule,
          createdAt: o.createdAt.toISOString(),
        }));
        if (opts.json) printJson({ items });
        else if (items.length === 0)
          process.stdout.write('no orgs registered; add one with "autobackup orgs add"\n');
        else
          for (const o of items) {
            process.stdout.write(
              `${o.orgId}  ${o.instanceUrl}  ${o.auth} (${o.secret})  ${o.enabled ? o.mode : 'not enabled'}, ${o.schedule}\n`,
            );
          }
      }),
    );

  orgs
    .command('enable')
    .description('starts Auto Backup for an org registered with --paused (or never enabled)')
    .requiredOption('--org <id>', 'org id')
    .action((opts: { org: string }) =>
      withOrg(opts.org, async (runtime, org) => {
        printJson(await enableBackup(appContext(runtime), org.orgId));
      }),
    );

  orgs
    .command('rotate-key')
    .description('issues a new service key; older keys keep working for 24 hours')
    .requiredOption('--org <id>', 'org id')
    .action((opts: { org: string }) =>
      withOrg(opts.org, async (runtime, org) => {
        const key = await rotateServiceKey(runtime.knex, org.orgId);
        printJson({
          orgId: org.orgId,
          keyId: key.keyId,
          serviceKey: key.serviceKey,
          previousKeysValidUntil: key.overlapUntil.toISOString(),
        });
      }),
    );

  orgs
    .command('revoke-key')
    .description('revokes one service key at once')
    .requiredOption('--org <id>', 'org id')
    .requiredOption('--key-id <id>', 'the key id (the part after "abk_")')
    .action((opts: { org: string; keyId: string }) =>
      withOrg(opts.org, async (runtime, org) => {
        if (!(await revokeServiceKey(runtime.knex, org.orgId, opts.keyId))) {
          const keys = await listServiceKeys(runtime.knex, org.orgId);
          throw new CliUsageError(
            `no live key ${opts.keyId} for org ${org.orgId}; its keys: ${keys.map((k) => `${k.keyId}${k.revokedAt ? ' (revoked)' : ''}`).join(', ') || 'none'}`,
          );
        }
        printJson({ orgId: org.orgId, keyId: opts.keyId, revoked: true });
      }),
    );
}
