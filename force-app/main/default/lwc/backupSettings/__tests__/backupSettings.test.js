import BackupSettings from 'c/backupSettings';
import getSettings from '@salesforce/apex/AutoBackupSettingsController.getSettings';
import saveSettings from '@salesforce/apex/AutoBackupSettingsController.saveSettings';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import { SETTINGS_CONFLICT_MESSAGE } from 'c/ldsUtils';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockSettings = require('./data/getSettings.json');

const CONFLICT_ERROR = apexError(SETTINGS_CONFLICT_MESSAGE);

function renderSettings() {
  return mount('c-backup-settings', BackupSettings);
}

async function type(element, text) {
  const textarea = element.shadowRoot.querySelector('textarea');
  textarea.value = text;
  textarea.dispatchEvent(new CustomEvent('input'));
  await flushPromises();
}

async function clickSave(element) {
  element.shadowRoot.querySelector('lightning-button.save').click();
  await flushPromises();
}

function fieldErrors(element) {
  return Array.from(element.shadowRoot.querySelectorAll('.field-errors li')).map((item) => item.textContent);
}

describe('c-backup-settings', () => {
  beforeEach(() => {
    canManageSettings.mockResolvedValue(true);
    getSettings.mockResolvedValue(mockSettings);
  });

  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  async function typeBudget(element, text) {
    const input = element.shadowRoot.querySelector('input.api-budget');
    input.value = text;
    input.dispatchEvent(new CustomEvent('input'));
    await flushPromises();
  }

  it('shows the API budget share in percent', async () => {
    const element = await renderSettings();

    expect(element.shadowRoot.querySelector('input.api-budget').value).toBe('50');
  });

  it('saves a changed API budget share with the exclusions', async () => {
    saveSettings.mockResolvedValue({
      ...mockSettings,
      apiBudgetShare: 0.25,
      version: mockSettings.version + 1,
    });
    const element = await renderSettings();

    await typeBudget(element, '25');
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith({
      exclusions: 'LoginHistory, Invoice__c',
      apiBudgetPercent: 25,
      version: mockSettings.version,
    });
    expect(element.shadowRoot.querySelector('input.api-budget').value).toBe('25');
    expect(element.shadowRoot.querySelector('.saved-message')).not.toBeNull();
  });

  it.each(['3', '101', ''])('refuses an API budget share of "%s" without saving', async (typed) => {
    const element = await renderSettings();

    await typeBudget(element, typed);
    await clickSave(element);

    expect(saveSettings).not.toHaveBeenCalled();
    expect(element.shadowRoot.querySelector('.budget-error').textContent).toBe(
      'Enter a share between 5 and 100 %.',
    );
    expect(element.shadowRoot.querySelector('input.api-budget').getAttribute('aria-invalid')).toBe('true');
  });

  it('puts the stored API budget share back on Cancel', async () => {
    const element = await renderSettings();

    await typeBudget(element, '80');
    element.shadowRoot.querySelector('lightning-button.cancel').click();
    await flushPromises();

    expect(element.shadowRoot.querySelector('input.api-budget').value).toBe('50');
    expect(element.shadowRoot.querySelector('lightning-button.save').disabled).toBe(true);
  });

  it('shows the saved exclusions as a comma-separated list', async () => {
    const element = await renderSettings();

    const textarea = element.shadowRoot.querySelector('textarea');
    expect(textarea.value).toBe('LoginHistory, Invoice__c');
    expect(element.shadowRoot.querySelector('label').textContent).toBe('Auto Backup Exclusions');
  });

  it('saves the trimmed list and shows what the service stored', async () => {
    saveSettings.mockResolvedValue({ ...mockSettings, exclusions: ['LoginHistory', 'Invoice__c', 'Task'] });
    const element = await renderSettings();

    await type(element, ' LoginHistory ,Invoice__c,   task ');
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith({
      exclusions: 'LoginHistory, Invoice__c, task',
      apiBudgetPercent: null,
      version: mockSettings.version,
    });
    expect(element.shadowRoot.querySelector('textarea').value).toBe('LoginHistory, Invoice__c, Task');
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. 3 objects are excluded from future backups.',
    );
    expect(fieldErrors(element)).toEqual([]);
  });

  it('saves an empty list to exclude nothing', async () => {
    saveSettings.mockResolvedValue({ ...mockSettings, exclusions: [] });
    const element = await renderSettings();

    await type(element, '   ');
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith({
      exclusions: '',
      apiBudgetPercent: null,
      version: mockSettings.version,
    });
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. No objects are excluded.',
    );
  });

  it('bases the next save on the version the last save stored', async () => {
    saveSettings
      .mockResolvedValueOnce({ ...mockSettings, exclusions: ['Task'], version: mockSettings.version + 1 })
      .mockResolvedValueOnce({ ...mockSettings, exclusions: ['Event'], version: mockSettings.version + 2 });
    const element = await renderSettings();

    await type(element, 'Task');
    await clickSave(element);
    await type(element, 'Event');
    await clickSave(element);

    expect(saveSettings.mock.calls.map(([params]) => params.version)).toEqual([
      mockSettings.version,
      mockSettings.version + 1,
    ]);
  });

  it('after someone else saved first, says so and shows the exclusions saved now', async () => {
    const changedMeanwhile = {
      ...mockSettings,
      exclusions: ['LoginHistory', 'Invoice__c', 'Event'],
      version: mockSettings.version + 1,
    };
    getSettings.mockReset();
    getSettings.mockResolvedValueOnce(mockSettings).mockResolvedValueOnce(changedMeanwhile);
    saveSettings.mockRejectedValueOnce(CONFLICT_ERROR);
    const element = await renderSettings();

    await type(element, 'LoginHistory');
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith({
      exclusions: 'LoginHistory',
      apiBudgetPercent: null,
      version: mockSettings.version,
    });
    expect(getSettings).toHaveBeenCalledTimes(2);
    const panel = element.shadowRoot.querySelector('c-error-panel.conflict-error');
    expect(panel).not.toBeNull();
    expect(panel.errors).toEqual(CONFLICT_ERROR);
    expect(panel.friendlyMessage).toContain('someone else changed the settings');
    const textarea = element.shadowRoot.querySelector('textarea');
    expect(textarea.value).toBe('LoginHistory, Invoice__c, Event');
    expect(textarea.disabled).toBe(false);
    expect(fieldErrors(element)).toEqual([]);
    expect(element.shadowRoot.querySelector('.saved-message')).toBeNull();
  });

  it('after someone else saved first, bases the next save on the version loaded again', async () => {
    getSettings.mockReset();
    getSettings
      .mockResolvedValueOnce(mockSettings)
      .mockResolvedValueOnce({ ...mockSettings, version: mockSettings.version + 1 });
    saveSettings
      .mockRejectedValueOnce(CONFLICT_ERROR)
      .mockResolvedValueOnce({ ...mockSettings, exclusions: ['Task'], version: mockSettings.version + 2 });
    const element = await renderSettings();

    await type(element, 'Task');
    await clickSave(element);
    await type(element, 'Task');
    await clickSave(element);

    expect(saveSettings).toHaveBeenLastCalledWith({
      exclusions: 'Task',
      apiBudgetPercent: null,
      version: mockSettings.version + 1,
    });
    expect(element.shadowRoot.querySelector('c-error-panel.conflict-error')).toBeNull();
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. 1 object is excluded from future backups.',
    );
  });

  it.each([
    ['Account, , Contact', ['Entry 2 is empty: remove the extra comma.']],
    ['Account,', ['Entry 2 is empty: remove the extra comma.']],
    [
      'Invoice-c',
      ['"Invoice-c" is not a valid API name: use letters, digits and underscores, starting with a letter.'],
    ],
    [
      '1Account, My Object',
      [
        '"1Account" is not a valid API name: use letters, digits and underscores, starting with a letter.',
        '"My Object" is not a valid API name: use letters, digits and underscores, starting with a letter.',
      ],
    ],
    ['Account, Task, account, ACCOUNT', ['"account" is listed more than once.']],
  ])('does not save %p and explains why next to the field', async (text, messages) => {
    const element = await renderSettings();

    await type(element, text);
    await clickSave(element);

    expect(saveSettings).not.toHaveBeenCalled();
    expect(fieldErrors(element)).toEqual(messages);
    const textarea = element.shadowRoot.querySelector('textarea');
    expect(textarea.getAttribute('aria-invalid')).toBe('true');
    expect(textarea.getAttribute('aria-describedby')).toContain(
      element.shadowRoot.querySelector('.field-errors').id,
    );
    expect(element.shadowRoot.activeElement).toBe(textarea);
  });

  it('checks the list when the user leaves the field and clears messages once fixed', async () => {
    const element = await renderSettings();

    await type(element, 'Account,,Task');
    element.shadowRoot.querySelector('textarea').dispatchEvent(new CustomEvent('blur'));
    await flushPromises();
    expect(fieldErrors(element)).toEqual(['Entry 2 is empty: remove the extra comma.']);

    await type(element, 'Account,Task');
    expect(fieldErrors(element)).toEqual([]);
    expect(element.shadowRoot.querySelector('textarea').getAttribute('aria-invalid')).toBe('false');
  });

  it('shows the service error naming an unknown object next to the field', async () => {
    saveSettings.mockRejectedValue({
      body: { message: 'UNKNOWN_OBJECT: the org has no object named Invoyce__c.' },
      ok: false,
      status: 500,
    });
    const element = await renderSettings();

    await type(element, 'LoginHistory, Invoyce__c');
    await clickSave(element);

    expect(fieldErrors(element)).toEqual(['UNKNOWN_OBJECT: the org has no object named Invoyce__c.']);
    expect(element.shadowRoot.querySelector('textarea').value).toBe('LoginHistory, Invoyce__c');
    expect(element.shadowRoot.querySelector('.saved-message')).toBeNull();
    expect(element.shadowRoot.querySelector('c-error-panel.conflict-error')).toBeNull();
    expect(getSettings).toHaveBeenCalledTimes(1);
  });

  it('keeps save disabled until something changes, and cancel restores the saved list', async () => {
    const element = await renderSettings();
    const save = element.shadowRoot.querySelector('lightning-button.save');
    expect(save.disabled).toBe(true);

    await type(element, 'LoginHistory');
    expect(save.disabled).toBe(false);

    element.shadowRoot.querySelector('lightning-button.cancel').click();
    await flushPromises();
    expect(element.shadowRoot.querySelector('textarea').value).toBe('LoginHistory, Invoice__c');
    expect(save.disabled).toBe(true);
  });

  it('is read-only for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    const element = await renderSettings();

    expect(element.shadowRoot.querySelector('textarea').disabled).toBe(true);
    expect(element.shadowRoot.querySelector('lightning-button.save').disabled).toBe(true);
    expect(element.shadowRoot.querySelector('.permission-note')).not.toBeNull();
  });

  it('shows an error panel when the settings cannot be loaded', async () => {
    const error = { body: { message: 'The backup service is unreachable.' }, ok: false, status: 500 };
    getSettings.mockReset();
    getSettings.mockRejectedValueOnce(error).mockResolvedValueOnce(mockSettings);
    const element = await renderSettings();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(error);
    expect(element.shadowRoot.querySelector('textarea')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('textarea').value).toBe('LoginHistory, Invoice__c');
  });

  it('shows a spinner while loading', async () => {
    getSettings.mockReturnValue(new Promise(() => {}));
    const element = await renderSettings();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('textarea')).toBeNull();
  });

  it('is accessible, also while showing validation messages', async () => {
    const element = await renderSettings();
    await type(element, 'Account,,Account');
    await clickSave(element);

    await expect(element).toBeAccessible();
  });

  it('is accessible after a save refused because someone else saved first', async () => {
    saveSettings.mockRejectedValueOnce(CONFLICT_ERROR);
    const element = await renderSettings();
    await type(element, 'Task');
    await clickSave(element);

    expect(element.shadowRoot.querySelector('c-error-panel.conflict-error')).not.toBeNull();
    await expect(element).toBeAccessible();
  });
});
