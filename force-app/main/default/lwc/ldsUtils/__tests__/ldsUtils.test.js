import { isSettingsConflict, reduceErrors, SETTINGS_CONFLICT_MESSAGE } from 'c/ldsUtils';

describe('c-lds-utils', () => {
  it('reads the message of an Apex AuraHandledException', () => {
    expect(
      reduceErrors({ body: { message: 'UNKNOWN_OBJECT: the org has no object named Foo__c.' } }),
    ).toEqual(['UNKNOWN_OBJECT: the org has no object named Foo__c.']);
  });

  it('reads UI API errors that come as a list', () => {
    expect(reduceErrors({ body: [{ message: 'First' }, { message: 'Second' }] })).toEqual([
      'First',
      'Second',
    ]);
  });

  it('reads page and field errors of a DML failure', () => {
    const error = {
      body: {
        pageErrors: [{ message: 'Page problem' }],
        fieldErrors: { Name: [{ message: 'Name problem' }] },
      },
    };
    expect(reduceErrors(error)).toEqual(['Page problem', 'Name problem']);
  });

  it('reads JavaScript errors, plain strings and status texts', () => {
    expect(reduceErrors(new Error('Boom'))).toEqual(['Boom']);
    expect(reduceErrors('Plain text')).toEqual(['Plain text']);
    expect(reduceErrors({ statusText: 'Service Unavailable' })).toEqual(['Service Unavailable']);
  });

  it('flattens a list of errors and drops empty ones', () => {
    expect(reduceErrors([{ body: { message: 'One' } }, null, undefined, {}, new Error('Two')])).toEqual([
      'One',
      'Two',
    ]);
  });

  it('returns nothing for no error', () => {
    expect(reduceErrors(undefined)).toEqual([]);
  });

  it('recognises a settings change refused because someone else changed the settings first', () => {
    expect(isSettingsConflict({ body: { message: SETTINGS_CONFLICT_MESSAGE }, ok: false, status: 500 })).toBe(
      true,
    );
    expect(isSettingsConflict({ body: { message: 'The backup service is unreachable.' } })).toBe(false);
    expect(isSettingsConflict(undefined)).toBe(false);
  });
});
