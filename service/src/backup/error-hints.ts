import { SalesforceError } from '../salesforce/errors.js';

/** What an admin can do about the errors Salesforce returns most, shown beside the error. */
const HINTS: Record<string, string> = {
  INSUFFICIENT_ACCESS:
    'The integration user lacks access. Check its permission set: read on this object (and View All Data, Query All Files for files).',
  INSUFFICIENT_ACCESS_OR_READONLY:
    'The integration user lacks access. Check its permission set: read on this object (and View All Data, Query All Files for files).',
  INVALID_SESSION_ID:
    'The connection to the org was refused. Check the connected app, the integration user, and its key or secret.',
  REQUEST_LIMIT_EXCEEDED:
    "The org's daily API allowance is used up. Backups resume on their own as Salesforce frees it (rolling 24 hours).",
  UNKNOWN_EXCEPTION:
    'Salesforce failed internally (for files, often its blob store). If it persists, open a Salesforce support case with the record Id.',
  INVALID_FIELD:
    'A field changed between the schema scan and the query. The next scan picks up the change; nothing to do unless it persists.',
  INVALID_TYPE: 'The object is no longer visible to the integration user. Check its object permissions.',
  QUERY_TIMEOUT: 'Salesforce timed out on a large query. The backup retries with smaller windows.',
  SERVER_UNAVAILABLE: 'Salesforce was unavailable. The backup retries on its own.',
  FILE_BODY_MISMATCH:
    "The file's bytes did not match the size or checksum Salesforce reports for it (a body changed mid-download, or a damaged transfer). The backup downloads it again later.",
};

/** The code an engine failure is filed under: Salesforce's errorCode, else the error's own code, else `fallback`. */
export function errorCodeOf(err: unknown, fallback: string): string {
  if (err instanceof SalesforceError) return err.errorCode;
  return (err as { code?: string } | null)?.code ?? fallback;
}

export function hintFor(code: string): string | null {
  return HINTS[code] ?? null;
}
