/** What every CLI command shares: option checks, and running with the database open and shut down after. */
import type { AppContext } from '../app/app-context.js';
import { openStore } from '../backup/engine-factory.js';
import { openDatabase, openRuntime, type DatabaseRuntime } from '../runtime.js';
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

/** A context for the application layer's use cases, from a command's runtime. */
export function appContext(runtime: DatabaseRuntime): AppContext {
  return {
    config: runtime.config,
    logger: runtime.logger,
    store: openStore(runtime.config, runtime.knex, runtime.logger),
    now: () => new Date(),
  };
}

/**
 * Runs `fn` with a database runtime and always shuts down. Failures are rendered by the CLI's entry point
 * through the one error taxonomy (app/app-error.ts).
 */
export async function withDatabase(fn: (runtime: DatabaseRuntime) => Promise<void>): Promise<void> {
  const runtime = await openDatabase(openRuntime());
  try {
    await fn(runtime);
  } finally {
    await runtime.lifecycle.shutdown();
  }
}
