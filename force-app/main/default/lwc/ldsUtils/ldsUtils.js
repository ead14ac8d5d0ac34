/**
 * Turns whatever an Apex call, Lightning Data Service or plain JavaScript threw into a list of
 * readable messages, so every component shows errors the same way (through c-error-panel).
 *
 * Example: `reduceErrors(error)` on an AuraHandledException rejection → ['The backup service is unreachable.']
 */
export function reduceErrors(errors) {
  const list = Array.isArray(errors) ? errors : [errors];
  return list
    .filter((error) => error !== undefined && error !== null)
    .flatMap((error) => messagesOf(error))
    .filter((message) => typeof message === 'string' && message.length > 0);
}

/**
 * What Apex says when a settings change was refused because someone else changed the settings after
 * the component read them (AutoBackupException.ConflictException; test/apex/contract.test.ts keeps
 * the two the same).
 */
export const SETTINGS_CONFLICT_MESSAGE = 'The settings were changed by someone else; reload and try again.';

/**
 * Whether `error` is that refusal: nothing was saved, and what the component shows is out of date, so
 * it should load the settings again before the user makes the change again.
 */
export function isSettingsConflict(error) {
  return reduceErrors(error).includes(SETTINGS_CONFLICT_MESSAGE);
}

function messagesOf(error) {
  if (typeof error === 'string') {
    return [error];
  }
  const body = error.body;
  if (Array.isArray(body)) {
    // UI API read errors come as a list of { message }.
    return body.map((entry) => entry && entry.message);
  }
  if (body && typeof body === 'object') {
    const messages = [];
    if (Array.isArray(body.pageErrors)) {
      messages.push(...body.pageErrors.map((entry) => entry.message));
    }
    if (body.fieldErrors && typeof body.fieldErrors === 'object') {
      Object.values(body.fieldErrors).forEach((fieldErrors) => {
        if (Array.isArray(fieldErrors)) {
          messages.push(...fieldErrors.map((entry) => entry.message));
        }
      });
    }
    if (body.output && Array.isArray(body.output.errors)) {
      messages.push(...body.output.errors.map((entry) => entry.message));
    }
    if (typeof body.message === 'string') {
      // Apex AuraHandledException and other server errors.
      messages.push(body.message);
    }
    if (messages.length > 0) {
      return messages;
    }
  }
  if (typeof error.message === 'string') {
    return [error.message];
  }
  if (typeof error.statusText === 'string') {
    return [error.statusText];
  }
  return [];
}
