/**
 * One error taxonomy for both doors of the service: every failure a caller can act on has a code here, with the
 * HTTP status the API answers and the exit code the CLI ends with. Handlers and commands never pick a status or
 * an exit code themselves; they throw an AppError (or a domain error `toAppError` knows) and the door renders it.
 */
import { ConfigError } from '../config.js';
import { UnknownObjectsError } from '../backup/backup-pass.js';
import { OrgNotRegisteredError } from '../backup/engine-factory.js';
import { RegistrationInputError } from '../backup/org-registration.js';
import { SettingsError } from '../backup/settings.js';
import { SalesforceError } from '../salesforce/errors.js';
import { SecretError } from '../secrets/secret-ref.js';
import { OrgAlreadyRegisteredError } from '../store/orgs/org-repository.js';
import { EmbeddedPostgresError } from '../store/postgres/embedded-server.js';

/** code → [HTTP status, CLI exit code]. Exit 2 = the caller's mistake, 1 = the service or the org failed. */
export const ERROR_CODES = {
  INVALID_REQUEST: [400, 2],
  MALFORMED_JSON: [400, 2],
  INVALID_SETTINGS: [400, 2],
  UNKNOWN_OBJECT: [400, 2],
  INVALID_CURSOR: [400, 2],
  UNAUTHORIZED: [401, 2],
  FORBIDDEN: [403, 2],
  NOT_FOUND: [404, 2],
  METHOD_NOT_ALLOWED: [405, 2],
  ALREADY_EXISTS: [409, 2],
  SETTINGS_CHANGED: [412, 2],
  PAYLOAD_TOO_LARGE: [413, 2],
  UNSUPPORTED_MEDIA_TYPE: [415, 2],
  RANGE_NOT_SATISFIABLE: [416, 2],
  PRECONDITION_REQUIRED: [428, 2],
  RATE_LIMITED: [429, 1],
  ORG_CONNECTION_FAILED: [502, 1],
  NOT_CONFIGURED: [503, 1],
  UNAVAILABLE: [503, 1],
  TIMEOUT: [503, 1],
  INTERNAL: [500, 1],
} as const satisfies Record<string, readonly [number, 1 | 2]>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers (Retry-After, …). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code][0];
  }

  get exitCode(): 1 | 2 {
    return ERROR_CODES[this.code][1];
  }
}

/** The AppError a failure stands for; anything unknown is INTERNAL, with a message that leaks nothing. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof SettingsError) return new AppError(err.code, err.message);
  if (err instanceof OrgNotRegisteredError) return new AppError('NOT_FOUND', err.message);
  if (err instanceof UnknownObjectsError) return new AppError('UNKNOWN_OBJECT', err.message);
  if (err instanceof RegistrationInputError || err instanceof SecretError || err instanceof ConfigError)
    return new AppError('INVALID_REQUEST', err.message);
  if (err instanceof OrgAlreadyRegisteredError)
    return new AppError(
      'ALREADY_EXISTS',
      `${err.message}; use "orgs rotate-key --org ${err.orgId}" for a new key`,
    );
  if (err instanceof SalesforceError && err.path === '/services/oauth2/token')
    return new AppError('ORG_CONNECTION_FAILED', `could not connect to the org: ${err.message}`);
  if (err instanceof EmbeddedPostgresError) return new AppError('UNAVAILABLE', err.message);
  return new AppError('INTERNAL', 'internal error; the service log has the details (search its request id)');
}
