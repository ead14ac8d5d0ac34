import { WireError } from './errors.js';

/** Parses a JSON request body the way Salesforce complains about it (400 JSON_PARSER_ERROR). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '')
    throw new WireError(400, 'JSON_PARSER_ERROR', 'The request body is empty; a JSON body is required.');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WireError(
      400,
      'JSON_PARSER_ERROR',
      `Unexpected character in the JSON body: ${(err as Error).message}`,
    );
  }
}

export function parseJsonObject(text: string): Record<string, unknown> {
  const value = parseJsonBody(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new WireError(400, 'JSON_PARSER_ERROR', 'The JSON body must be an object.');
  }
  return value as Record<string, unknown>;
}

const ID_RE = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export function isSalesforceId(value: string): boolean {
  return ID_RE.test(value);
}
