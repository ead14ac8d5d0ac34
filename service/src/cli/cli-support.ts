/** What every CLI command shares: option checks, and running with the database open and shut down after. */
import { UnknownObjectsError } from '../backup/backup-pass.js';
import { OrgNotRegisteredError } from '../backup/engine-factory.js';
import { RegistrationInputError } from '../backup/org-registration.js';
import { openDatabase, openRuntime, type DatabaseRuntime } from '../runtime.js';
import { SalesforceError } from '../salesforce/errors.js';
import { SecretError } from '../secrets/secret-ref.js';
import { OrgAlreadyRegisteredError } from '../store/orgs/org-repository.js';
import { CliUsageError } from './errors.js';

const ORG_ID = /^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$/;

export function checkOrgId(value: string): string {
  if (!ORG_ID.test(value)) {
    throw new CliUsageError(
      `--org: "${value}" is not an org id (00D followed by 12 or 15 letters and digits)`,
    );
  }
  return value;
}

export function objectList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(n));
  if (bad.length > 0 || names.length === 0) {
    throw new CliUsageError(
      `--objects: not object API names: ${bad.map((b) => JSON.stringify(b)).join(', ') || '(empty)'}`,
    );
  }
  return names;
}

/** Runs `fn` with a database runtime, turning known failures into clear messages, and always shuts down. */
export async function withDatabase(fn: (runtime: DatabaseRuntime) => Promise<void>): Promise<void> {
  const runtime = await openDatabase(openRuntime());
  try {
    await fn(runtime);
  } catch (err) {
    if (
      err instanceof OrgNotRegisteredError ||
      err instanceof UnknownObjectsError ||
      err instanceof RegistrationInputError ||
      err instanceof SecretError
    ) {
      throw new CliUsageError(err.message);
    }
    if (err instanceof OrgAlreadyRegisteredError) {
      throw new CliUsageError(`${err.message}; use "orgs rotate-key --org ${err.orgId}" for a new key`);
    }
    if (err instanceof SalesforceError && err.path === '/services/oauth2/token') {
      throw new CliUsageError(`could not connect to the org: ${err.message}`);
    }
    throw err;
  } finally {
    await runtime.lifecycle.shutdown();
  }
}
