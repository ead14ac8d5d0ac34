/**
 * What a user can do about the Salesforce error codes Auto Backup meets most often. The service
 * sends its own hint with each error; these are shown when it sends none.
 */
const HINTS = {
  INSUFFICIENT_ACCESS:
    'The integration user may not read this data. Check that it has View All Data, Query All Files and access to the object.',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY:
    'The integration user cannot see a related record. Check its sharing access and View All Data.',
  UNKNOWN_EXCEPTION:
    'An error inside Salesforce itself. Open a case with Salesforce Support and attach the errors CSV.',
  REQUEST_LIMIT_EXCEEDED:
    'The org used up its daily API calls. Backups continue once calls are available again; consider a lower API budget share.',
  QUERY_TIMEOUT:
    'Salesforce stopped a query that ran too long. Auto Backup tries again with a smaller time window.',
  INVALID_FIELD:
    'A field changed or was removed since the last scan. The next scan of the org picks up the change.',
  INVALID_TYPE:
    'The object changed or was removed since the last scan. The next scan of the org picks up the change.',
  INVALID_SESSION_ID:
    "The service's Salesforce session expired or was revoked. Check the integration user and the app it signs in with.",
  API_DISABLED_FOR_ORG: 'The integration user has no API access. Give it the API Enabled permission.',
  API_CURRENTLY_DISABLED: 'The integration user has no API access. Give it the API Enabled permission.',
  SERVER_UNAVAILABLE: 'Salesforce was briefly unavailable. Auto Backup tries again on its own.',
};

/** The hint to show for an error: the service's own, else one for a known code, else none. */
export function hintFor(code, serviceHint) {
  if (serviceHint) {
    return serviceHint;
  }
  return HINTS[code] || '';
}
