/**
 * `autobackup orgs …`: register orgs, list them, and manage the service keys the package uses.
 * `orgs add` prints exactly one JSON line on stdout: {"orgId","serviceKey"}.
 */
import type { Command } from 'commander';
import { registerOrg, RegistrationInputError } from '../backup/org-registration.js';
import { openDatabase, openRuntime } from '../runtime.js';
import { loadMasterKey } from '../secrets/master-key.js';
import { SecretError } from '../secrets/secret-ref.js';
import { describeSecret } from '../secrets/secret-ref.js';
import { SalesforceError } from '../salesforce/errors.js';
import {
  findOrg,
  listOrgs,
  OrgAlreadyRegisteredError,
  updateOrgSettings,
} from '../store/orgs/org-repository.js';
import { listServiceKeys, revokeServiceKey, rotateServiceKey } from '../store/orgs/service-key-repository.js';
import { CliUsageError } from './errors.js';

const ORG_ID = /^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/;

function checkOrgId(value: string): string {
  if (!ORG_ID.test(value))
    throw new CliUsageError(
      `--org: "${value}" is not an org id (00D followed by 12 or 15 letters and digits)`,
    );
  return value;
}

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
    .option('--paused', 'register without starting backups (enable later from the package or the API)')
    .action(
      async (opts: {
        instanceUrl: string;
        clientId: string;
        clientSecret?: string;
        privateKey?: string;
        username?: string;
        loginUrl?: string;
        paused?: boolean;
      }) => {
        const runtime = await openDatabase(openRuntime());
        try {
          const masterKey = await loadMasterKey(runtime.config);
          const result = await registerOrg(opts, { knex: runtime.knex, masterKey, logger: runtime.logger });
          process.stdout.write(`${JSON.stringify({ orgId: result.orgId, serviceKey: result.serviceKey })}\n`);
        } catch (err) {
          if (err instanceof RegistrationInputError || err instanceof SecretError)
            throw new CliUsageError(err.message);
          if (err instanceof OrgAlreadyRegisteredError)
            throw new CliUsageError(`${err.message}; use "orgs rotate-key --org ${err.orgId}" for a new key`);
          if (err instanceof SalesforceError)
            throw new CliUsageError(`could not connect to ${opts.instanceUrl}: ${err.message}`);
          throw err;
        } finally {
          await runtime.lifecycle.shutdown();
        }
      },
    );

  orgs
    .command('list')
    .description('the registered orgs')
    .option('--json', 'one JSON line on stdout')
    .action(async (opts: { json?: boolean }) => {
      const runtime = await openDatabase(openRuntime());
      try {
        const all = await listOrgs(runtime.knex);
        const items = all.map((o) => ({
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
        if (opts.json) process.stdout.write(`${JSON.stringify({ items })}\n`);
        else if (items.length === 0)
          process.stdout.write('no orgs registered; add one with "autobackup orgs add"\n');
        else
          for (const o of items) {
            process.stdout.write(
              `${o.orgId}  ${o.instanceUrl}  ${o.auth} (${o.secret})  ${o.enabled ? o.mode : 'not enabled'}, ${o.schedule}\n`,
            );
          }
      } finally {
        await runtime.lifecycle.shutdown();
      }
    });

  orgs
    .command('enable')
    .description('starts Auto Backup for an org registered with --paused (or never enabled)')
    .requiredOption('--org <id>', 'org id')
    .action(async (opts: { org: string }) => {
      const orgId = checkOrgId(opts.org);
      const runtime = await openDatabase(openRuntime());
      try {
        const org = await findOrg(runtime.knex, orgId);
        if (!org) throw new CliUsageError(`org ${orgId} is not registered`);
        await updateOrgSettings(runtime.knex, org.orgId, { enabled: true });
        process.stdout.write(`${JSON.stringify({ orgId: org.orgId, enabled: true, mode: org.mode })}\n`);
      } finally {
        await runtime.lifecycle.shutdown();
      }
    });

  orgs
    .command('rotate-key')
    .description('issues a new service key; older keys keep working for 24 hours')
    .requiredOption('--org <id>', 'org id')
    .action(async (opts: { org: string }) => {
      const orgId = checkOrgId(opts.org);
      const runtime = await openDatabase(openRuntime());
      try {
        const org = await findOrg(runtime.knex, orgId);
        if (!org) throw new CliUsageError(`org ${orgId} is not registered`);
        const key = await rotateServiceKey(runtime.knex, org.orgId);
        process.stdout.write(
          `${JSON.stringify({ orgId: org.orgId, keyId: key.keyId, serviceKey: key.serviceKey, previousKeysValidUntil: key.overlapUntil.toISOString() })}\n`,
        );
      } finally {
        await runtime.lifecycle.shutdown();
      }
    });

  orgs
    .command('revoke-key')
    .description('revokes one service key at once')
    .requiredOption('--org <id>', 'org id')
    .requiredOption('--key-id <id>', 'the key id (the part after "abk_")')
    .action(async (opts: { org: string; keyId: string }) => {
      const orgId = checkOrgId(opts.org);
      const runtime = await openDatabase(openRuntime());
      try {
        const revoked = await revokeServiceKey(runtime.knex, orgId, opts.keyId);
        if (!revoked) {
          const keys = await listServiceKeys(runtime.knex, orgId);
          throw new CliUsageError(
            `no live key ${opts.keyId} for org ${orgId}; its keys: ${keys.map((k) => `${k.keyId}${k.revokedAt ? ' (revoked)' : ''}`).join(', ') || 'none'}`,
          );
        }
        process.stdout.write(`${JSON.stringify({ orgId, keyId: opts.keyId, revoked: true })}\n`);
      } finally {
        await runtime.lifecycle.shutdown();
      }
    });
}
