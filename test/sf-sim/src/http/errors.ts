/**
 * Errors the simulator answers with, in Salesforce's own shapes:
 * - `WireError`: a REST error, rendered as `[{"message","errorCode"}]` with its HTTP status
 *   (REST API Developer Guide, "Status Codes and Error Responses": https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm);
 * - `OAuthError`: a token-endpoint error, rendered as `{"error","error_description"}` (Salesforce Help, "OAuth 2.0
 *   JWT Bearer Flow for Server-to-Server Integration": https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5).
 */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
    this.name = 'WireError';
  }

  /** The JSON body Salesforce sends for this error. */
  toBody(): Array<{ message: string; errorCode: string; fields?: string[] }> {
    return [
      { message: this.message, errorCode: this.errorCode, ...(this.fields ? { fields: this.fields } : {}) },
    ];
  }
}

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

export const notFound = (message = 'The requested resource does not exist'): WireError =>
  new WireError(404, 'NOT_FOUND', message);

export const sessionInvalid = (): WireError =>
  new WireError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const methodNotAllowed = (method: string, allowed: string[]): WireError =>
  new WireError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`,
  );

export const badRequest = (message: string, errorCode = 'INVALID_INPUT'): WireError =>
  new WireError(400, errorCode, message);

/** Turns anything thrown by the org (SimError-like: status, errorCode, message) into a WireError. */
export function toWireError(err: unknown): WireError | undefined {
  if (err instanceof WireError) return err;
  if (err && typeof err === 'object') {
    const e = err as { status?: unknown; errorCode?: unknown; message?: unknown; fields?: unknown };
    if (typeof e.status === 'number' && typeof e.errorCode === 'string' && typeof e.message === 'string') {
      return new WireError(
        e.status,
        e.errorCode,
        e.message,
        Array.isArray(e.fields) ? (e.fields as string[]) : undefined,
      );
    }
  }
  return undefined;
}
