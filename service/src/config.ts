/**
 * Configuration from the environment, validated in one place. Every other module receives the frozen
 * `Config` object; nothing else reads `process.env`.
 */
import path from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const port = (what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `expected ${what} as a whole number between 1 and 65535`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, `expected ${what} as a whole number between 1 and 65535`);

const envSchema = z.object({
  AUTOBACKUP_HOME: z.string().trim().min(1, 'expected a directory path').default('./.autobackup'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a PostgreSQL URL such as postgres://user:pass@host:5432/db')
    .optional(),
  STORAGE_URL: z
    .string()
    .trim()
    .regex(
      /^(gs:\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/\S*)?|file:\/\/\/\S*)$/,
      'expected gs://bucket/prefix or file:///absolute/path',
    )
    .optional(),
  STORAGE_EMULATOR_HOST: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s/]+(\/.*)?$/, 'expected an http(s) URL such as http://127.0.0.1:4443')
    .optional(),
  PORT: port('PORT').default(3000),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  AUTOBACKUP_MASTER_KEY: z
    .string()
    .trim()
    .refine(
      (v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, 'base64').length === 32,
      'expected 32 bytes as 64 hex characters or base64',
    )
    .optional(),
  AUTOBACKUP_PG_PORT: port('AUTOBACKUP_PG_PORT').optional(),
  AUTOBACKUP_LAG_SECONDS: z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number of seconds')
    .transform(Number)
    .default(120),
  AUTOBACKUP_API_BUDGET_SHARE: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a fraction greater than 0 and at most 1, such as 0.5')
    .transform(Number)
    .refine((n) => n > 0 && n <= 1, 'expected a fraction greater than 0 and at most 1, such as 0.5')
    .default(0.5),
  AUTOBACKUP_FILES_BUDGET_SHARE: z
    .string()
    .trim()
    .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'expected a fraction greater than 0 and at most 1, such as 0.3')
    .transform(Number)
    .refine((n) => n > 0 && n <= 1, 'expected a fraction greater than 0 and at most 1, such as 0.3')
    .default(0.3),
  PUBLIC_URL: z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
        return (u.protocol === 'https:' || (u.protocol === 'http:' && loopback)) && !u.search && !u.hash;
      } catch {
        return false;
      }
    }, 'expected the public https:// address of the service, such as https://backup.example.com (http only on 127.0.0.1 or localhost)')
    .optional(),
  AUTOBACKUP_RATE_LIMIT: z
    .string()
    .trim()
    .regex(/^[1-9]\d{0,6}$/, 'expected a whole number of requests per minute per service key, such as 1200')
    .transform(Number)
    .default(1200),
  AUTOBACKUP_WORKERS: wholeNumber('AUTOBACKUP_WORKERS', 1, 64).default(4),
  // An org allows 25 long-running API requests at once (Developer Edition: 5), for every integration together.
  // A backup job has one request in flight at a time (a file body is one stream); outside the cap an org runs one
  // change-check job and one schema scan (its describes go in /composite calls, one in flight at a time): at most
  // 10 + 1 + 1 = 12 requests, well under 25, leaving the rest to the org's other integrations (docs/ARCHITECTURE.md,
  // "API budget").
  AUTOBACKUP_ORG_CONCURRENCY: wholeNumber('AUTOBACKUP_ORG_CONCURRENCY', 1, 10).default(4),
  AUTOBACKUP_TICK_SECONDS: z
    .string()
    .trim()
    .regex(
      /^(1|2|3|4|5|6|10|12|15|20|30)$/,
      'expected a whole number of seconds that divides a minute, from 1 to 30',
    )
    .transform(Number)
    .default(15),
  AUTOBACKUP_SLICE_SECONDS: wholeNumber('AUTOBACKUP_SLICE_SECONDS', 5, 3600).default(120),
  AUTOBACKUP_BULK_THRESHOLD: wholeNumber('AUTOBACKUP_BULK_THRESHOLD', 2000, 100_000_000).default(10_000),
});

/** A whole number from `min` to `max`, as text in the environment. */
function wholeNumber(name: string, min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `expected a whole number from ${min} to ${max}`)
    .describe(name);
}

export interface Config {
  /** Absolute path of the home directory (embedded PostgreSQL, default bucket, master key). */
  readonly home: string;
  /** Explicit database; undefined means embedded PostgreSQL under `home`. */
  readonly databaseUrl: string | undefined;
  /** Where backups go; defaults to a filesystem bucket under `home`. */
  readonly storageUrl: string;
  readonly storageEmulatorHost: string | undefined;
  readonly port: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly masterKey: Buffer | undefined;
  /** Preferred port for the embedded PostgreSQL server; undefined picks a free one. */
  readonly embeddedPgPort: number | undefined;
  readonly lagSeconds: number;
  /** The share of the service's calls a new org may use (each org's own setting after registration). */
  readonly apiBudgetShare: number;
  /** Files' share of the service's API budget per org (the rest goes to records and checks). */
  readonly filesBudgetShare: number;
  /** Where users' browsers reach the service (signed links); undefined when not configured. */
  readonly publicUrl: string | undefined;
  /** Requests per minute one service key may make, across every replica. */
  readonly rateLimitPerMinute: number;
  /** Backup jobs this process works on at once. */
  readonly workers: number;
  /** Backup jobs of one org running at once across every replica. */
  readonly orgConcurrency: number;
  /** Seconds between scheduler ticks (one replica acts on each). */
  readonly tickSeconds: number;
  /** How long one backup job works on an object before it yields it to the queue (stopping at a safe point). */
  readonly sliceSeconds: number;
  /** A backlog of at least this many rows is read through Bulk API 2.0, a smaller one through REST pages. */
  readonly bulkThreshold: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the configuration from an environment (process.env by default); throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Config {
  // An empty variable counts as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const given = present[name];
      const shown =
        name === 'AUTOBACKUP_MASTER_KEY' || name === 'DATABASE_URL' ? '(hidden)' : JSON.stringify(given);
      return `${name}: ${issue.message}${given === undefined ? '' : `, got ${shown}`}`;
    });
    throw new ConfigError(problems);
  }
  const e = parsed.data;
  const home = path.resolve(cwd, e.AUTOBACKUP_HOME);
  const masterKey = e.AUTOBACKUP_MASTER_KEY
    ? /^[0-9a-fA-F]{64}$/.test(e.AUTOBACKUP_MASTER_KEY)
      ? Buffer.from(e.AUTOBACKUP_MASTER_KEY, 'hex')
      : Buffer.from(e.AUTOBACKUP_MASTER_KEY, 'base64')
    : undefined;
  return Object.freeze({
    home,
    databaseUrl: e.DATABASE_URL,
    storageUrl: e.STORAGE_URL ?? `file://${path.join(home, 'bucket')}`,
    storageEmulatorHost: e.STORAGE_EMULATOR_HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    masterKey,
    embeddedPgPort: e.AUTOBACKUP_PG_PORT,
    lagSeconds: e.AUTOBACKUP_LAG_SECONDS,
    apiBudgetShare: e.AUTOBACKUP_API_BUDGET_SHARE,
    filesBudgetShare: e.AUTOBACKUP_FILES_BUDGET_SHARE,
    publicUrl: e.PUBLIC_URL,
    rateLimitPerMinute: e.AUTOBACKUP_RATE_LIMIT,
    workers: e.AUTOBACKUP_WORKERS,
    orgConcurrency: e.AUTOBACKUP_ORG_CONCURRENCY,
    tickSeconds: e.AUTOBACKUP_TICK_SECONDS,
    sliceSeconds: e.AUTOBACKUP_SLICE_SECONDS,
    bulkThreshold: e.AUTOBACKUP_BULK_THRESHOLD,
  });
}
