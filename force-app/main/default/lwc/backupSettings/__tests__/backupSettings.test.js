import BackupSettings from 'c/backupSettings';
import getSettings from '@salesforce/apex/AutoBackupSettingsController.getSettings';
import saveSettings from '@salesforce/apex/AutoBackupSettingsController.saveSettings';
import canManageSettings from '@salesforce/apex/AutoBackupDashboardController.canManageSettings';
import getObjects from '@salesforce/apex/AutoBackupObjectsController.getObjects';
import getExcludedObjects from '@salesforce/apex/AutoBackupObjectsController.getExcludedObjects';
import { SETTINGS_CONFLICT_MESSAGE } from 'c/ldsUtils';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockSettings = require('./data/getSettings.json');
const mockObjects = require('./data/getObjects.json');
const mockExcluded = require('./data/getExcludedObjects.json');

const CONFLICT_ERROR = apexError(SETTINGS_CONFLICT_MESSAGE);

function renderSettings() {
  return mount('c-backup-settings', BackupSettings);
}

async function type(element, text) {
  const field = element.shadowRoot.querySelector('input.exclusions');
  field.value = text;
  field.dispatchEvent(new CustomEvent('input'));
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
    getObjects.mockResolvedValue(mockObjects);
    getExcludedObjects.mockResolvedValue(mockExcluded);
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
      schedule: null,
    });
    const element = await renderSettings();

    await typeBudget(element, '25');
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith({
      exclusions: 'LoginHistory, Invoice__c',
      apiBudgetPercent: 25,
      version: mockSettings.version,
      schedule: null,
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

    const field = element.shadowRoot.querySelector('input.exclusions');
    expect(field.value).toBe('LoginHistory, Invoice__c');
    expect(element.shadowRoot.querySelector(`label[for="${field.id}"]`).textContent).toBe(
      'Auto Backup Exclusions',
    );
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
      schedule: null,
    });
    expect(element.shadowRoot.querySelector('input.exclusions').value).toBe('LoginHistory, Invoice__c, Task');
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. Backups run continuously; 3 objects are excluded from future backups.',
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
      schedule: null,
    });
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. Backups run continuously; no objects are excluded.',
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
      schedule: null,
    });
    expect(getSettings).toHaveBeenCalledTimes(2);
    const panel = element.shadowRoot.querySelector('c-error-panel.conflict-error');
    expect(panel).not.toBeNull();
    expect(panel.errors).toEqual(CONFLICT_ERROR);
    expect(panel.friendlyMessage).toContain('someone else changed the settings');
    const field = element.shadowRoot.querySelector('input.exclusions');
    expect(field.value).toBe('LoginHistory, Invoice__c, Event');
    expect(field.disabled).toBe(false);
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
      schedule: null,
    });
    expect(element.shadowRoot.querySelector('c-error-panel.conflict-error')).toBeNull();
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. Backups run continuously; 1 object is excluded from future backups.',
    );
  });

  it.each([
    ['Account, , Contact', ['Entry 2 is empty: remove the extra comma.']],
    [',Account', ['Entry 1 is empty: remove the extra comma.']],
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
    const field = element.shadowRoot.querySelector('input.exclusions');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.getAttribute('aria-describedby')).toContain(
      element.shadowRoot.querySelector('.field-errors').id,
    );
    expect(element.shadowRoot.activeElement).toBe(field);
  });

  it('checks the list when the user leaves the field and clears messages once fixed', async () => {
    const element = await renderSettings();

    await type(element, 'Account,,Task');
    element.shadowRoot.querySelector('input.exclusions').dispatchEvent(new CustomEvent('blur'));
    await flushPromises();
    expect(fieldErrors(element)).toEqual(['Entry 2 is empty: remove the extra comma.']);

    await type(element, 'Account,Task');
    expect(fieldErrors(element)).toEqual([]);
    expect(element.shadowRoot.querySelector('input.exclusions').getAttribute('aria-invalid')).toBe('false');
  });

  it('when the objects could not be loaded, shows the service error naming an unknown object', async () => {
    getObjects.mockRejectedValue({ body: { message: 'The backup service is unreachable.' }, status: 500 });
    saveSettings.mockRejectedValue({
      body: { message: 'UNKNOWN_OBJECT: the org has no object named Invoyce__c.' },
      ok: false,
      status: 500,
    });
    const element = await renderSettings();

    await type(element, 'LoginHistory, Invoyce__c');
    await clickSave(element);

    expect(fieldErrors(element)).toEqual(['UNKNOWN_OBJECT: the org has no object named Invoyce__c.']);
    expect(element.shadowRoot.querySelector('input.exclusions').value).toBe('LoginHistory, Invoyce__c');
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
    expect(element.shadowRoot.querySelector('input.exclusions').value).toBe('LoginHistory, Invoice__c');
    expect(save.disabled).toBe(true);
  });

  it('is read-only for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    const element = await renderSettings();

    expect(element.shadowRoot.querySelector('input.exclusions').disabled).toBe(true);
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
    expect(element.shadowRoot.querySelector('input.exclusions')).toBeNull();

    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('input.exclusions').value).toBe('LoginHistory, Invoice__c');
  });

  it('shows a spinner while loading', async () => {
    getSettings.mockReturnValue(new Promise(() => {}));
    const element = await renderSettings();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(element.shadowRoot.querySelector('input.exclusions')).toBeNull();
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
  // ── the exclusions combobox ───────────────────────────────────────────────────────────────────

  function input(element) {
    return element.shadowRoot.querySelector('input.exclusions');
  }

  async function typeAtEnd(element, text) {
    const field = input(element);
    field.value = text;
    field.setSelectionRange(text.length, text.length);
    field.dispatchEvent(new CustomEvent('input'));
    await flushPromises();
  }

  async function press(element, key) {
    const event = new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
    input(element).dispatchEvent(event);
    await flushPromises();
    return event;
  }

  function options(element) {
    return Array.from(element.shadowRoot.querySelectorAll('[role="option"]'));
  }

  function optionNames(element) {
    return options(element).map((option) => option.dataset.name);
  }

  it('reads every page of objects the service knows, and the ones it cannot back up', async () => {
    getObjects.mockReset();
    getObjects
      .mockResolvedValueOnce({ ...mockObjects, items: mockObjects.items.slice(0, 3), next: 'page-2' })
      .mockResolvedValueOnce({ ...mockObjects, items: mockObjects.items.slice(3), next: null });
    getExcludedObjects.mockReset();
    getExcludedObjects
      .mockResolvedValueOnce({ items: [], next: 'excluded-2', total: 1 })
      .mockResolvedValueOnce(mockExcluded);
    saveSettings.mockResolvedValue({ ...mockSettings, exclusions: ['AccountChangeEvent'] });
    const element = await renderSettings();

    expect(getObjects.mock.calls.map(([params]) => params.cursor)).toEqual([null, 'page-2']);
    expect(getObjects.mock.calls[0][0].pageSize).toBe(1000);
    expect(getExcludedObjects.mock.calls.map(([params]) => params.cursor)).toEqual([null, 'excluded-2']);
    await typeAtEnd(element, 'Task');
    expect(optionNames(element)).toEqual(['Task']);
    // Objects it cannot back up are not suggested, but they are names the service accepts.
    await typeAtEnd(element, 'AccountChangeEvent');
    expect(optionNames(element)).toEqual([]);
    await clickSave(element);
    expect(fieldErrors(element)).toEqual([]);
    expect(saveSettings).toHaveBeenCalledTimes(1);
  });

  it('suggests objects whose API name or label contains the entry being typed, name matches first', async () => {
    const element = await renderSettings();

    await typeAtEnd(element, 'LoginHistory, acc');

    // Names starting with "acc", then labels, then names containing it; listed names left out.
    expect(optionNames(element)).toEqual(['Account', 'AccountContactRelation', 'PartnerAccount__c']);
    expect(options(element)[1].textContent).toContain('Account Contact Relationship');
    const field = input(element);
    expect(field.getAttribute('role')).toBe('combobox');
    expect(field.getAttribute('aria-expanded')).toBe('true');
    const listbox = element.shadowRoot.querySelector('[role="listbox"]');
    expect(field.getAttribute('aria-controls')).toBe(listbox.id);
    expect(element.shadowRoot.querySelector('.slds-combobox').classList).toContain('slds-is-open');
    expect(element.shadowRoot.querySelector('[aria-live="polite"]').textContent).toBe('3 objects suggested.');
  });

  it('picks a suggestion with the arrow keys and Enter, ready for the next name', async () => {
    const element = await renderSettings();
    await typeAtEnd(element, 'LoginHistory, opp');

    await press(element, 'ArrowDown');
    await press(element, 'ArrowDown');
    expect(input(element).getAttribute('aria-activedescendant')).toBe(options(element)[1].id);
    expect(options(element)[1].getAttribute('aria-selected')).toBe('true');
    const enter = await press(element, 'Enter');

    expect(enter.defaultPrevented).toBe(true);
    expect(input(element).value).toBe('LoginHistory, OpportunityLineItem, ');
    expect(input(element).selectionStart).toBe('LoginHistory, OpportunityLineItem, '.length);
    expect(options(element)).toEqual([]);
    expect(input(element).getAttribute('aria-expanded')).toBe('false');
    expect(input(element).hasAttribute('aria-activedescendant')).toBe(false);
  });

  it('wraps around with the arrow keys and closes the list on Escape without changing the text', async () => {
    const element = await renderSettings();
    await typeAtEnd(element, 'acc');

    await press(element, 'ArrowUp');
    expect(options(element)[2].getAttribute('aria-selected')).toBe('true');
    const escape = await press(element, 'Escape');

    expect(escape.defaultPrevented).toBe(true);
    expect(options(element)).toEqual([]);
    expect(input(element).value).toBe('acc');
  });

  it('replaces the entry under the caret when a suggestion is clicked', async () => {
    const element = await renderSettings();
    const field = input(element);
    field.value = 'LoginHistory, Tas, Event';
    field.setSelectionRange(17, 17);
    field.dispatchEvent(new CustomEvent('input'));
    await flushPromises();

    const mouseDown = new CustomEvent('mousedown', { cancelable: true });
    options(element)[0].dispatchEvent(mouseDown);
    options(element)[0].click();
    await flushPromises();

    expect(mouseDown.defaultPrevented).toBe(true);
    expect(field.value).toBe('LoginHistory, Task, Event');
  });

  it('opens the suggestions with ArrowDown on a typed entry', async () => {
    const element = await renderSettings();
    await typeAtEnd(element, 'Opp');
    await press(element, 'Escape');

    await press(element, 'ArrowDown');

    expect(optionNames(element)).toEqual(['Opportunity', 'OpportunityLineItem']);
    expect(options(element)[0].getAttribute('aria-selected')).toBe('true');
  });

  it('names the objects the service does not know when the user leaves the field, and does not save them', async () => {
    const element = await renderSettings();
    await type(element, 'LoginHistory, Invoyce__c, Acount');
    input(element).dispatchEvent(new CustomEvent('blur'));
    await flushPromises();

    expect(fieldErrors(element)).toEqual([
      '"Invoyce__c", "Acount" are not objects of this org as of Auto Backup\'s last schema scan: check the ' +
        'spelling, or pick a name from the suggestions. Objects created since then are listed after the next ' +
        'scan (within the hour).',
    ]);
    expect(input(element).getAttribute('aria-invalid')).toBe('true');

    await clickSave(element);
    expect(saveSettings).not.toHaveBeenCalled();
    // The list is read again first, in case the objects were scanned since.
    expect(getExcludedObjects).toHaveBeenCalledTimes(2);
    expect(element.shadowRoot.activeElement).toBe(input(element));
  });

  it('accepts objects the service knows in any case, those it cannot back up included', async () => {
    saveSettings.mockResolvedValue({ ...mockSettings, exclusions: ['Task', 'AccountChangeEvent'] });
    const element = await renderSettings();

    await type(element, 'task, accountchangeevent');
    await clickSave(element);

    expect(fieldErrors(element)).toEqual([]);
    expect(saveSettings).toHaveBeenCalledWith(
      expect.objectContaining({ exclusions: 'task, accountchangeevent' }),
    );
  });

  it('saves a name scanned since the page loaded once the objects are read again', async () => {
    getObjects.mockReset();
    getObjects.mockResolvedValueOnce(mockObjects).mockResolvedValueOnce({
      items: [...mockObjects.items, { ...mockObjects.items[0], name: 'Shipment__c', label: 'Shipment' }],
      next: null,
    });
    saveSettings.mockResolvedValue({ ...mockSettings, exclusions: ['Shipment__c'] });
    const element = await renderSettings();

    await type(element, 'Shipment__c');
    await clickSave(element);

    expect(fieldErrors(element)).toEqual([]);
    expect(saveSettings).toHaveBeenCalledTimes(1);
  });

  it('accepts a comma after the last name, as picking a suggestion leaves one', async () => {
    saveSettings.mockResolvedValue({ ...mockSettings, exclusions: ['Task'] });
    const element = await renderSettings();

    await type(element, 'Task, ');
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith(expect.objectContaining({ exclusions: 'Task' }));
  });

  it('is accessible with the suggestions open and an option active', async () => {
    const element = await renderSettings();
    await typeAtEnd(element, 'acc');
    await press(element, 'ArrowDown');

    await expect(element).toBeAccessible();
  });

  // ── the schedule ──────────────────────────────────────────────────────────────────────────────

  function scheduleRadio(element, value) {
    return element.shadowRoot.querySelector(`input[name="schedule"][value="${value}"]`);
  }

  it('shows the stored schedule as a labelled radio group', async () => {
    const element = await renderSettings();

    expect(element.shadowRoot.querySelector('fieldset.schedule legend').textContent).toBe('Backup schedule');
    expect(scheduleRadio(element, 'continuous').checked).toBe(true);
    expect(scheduleRadio(element, 'daily').checked).toBe(false);
    const daily = scheduleRadio(element, 'daily');
    expect(element.shadowRoot.querySelector(`label[for="${daily.id}"]`).textContent).toBe('Daily');
  });

  it('saves a schedule chosen here with the other settings, and only when it changed', async () => {
    saveSettings.mockResolvedValue({ ...mockSettings, schedule: 'daily', version: mockSettings.version + 1 });
    const element = await renderSettings();
    const save = element.shadowRoot.querySelector('lightning-button.save');

    const daily = scheduleRadio(element, 'daily');
    daily.checked = true;
    daily.dispatchEvent(new CustomEvent('change'));
    await flushPromises();
    expect(save.disabled).toBe(false);
    await clickSave(element);

    expect(saveSettings).toHaveBeenCalledWith({
      exclusions: 'LoginHistory, Invoice__c',
      apiBudgetPercent: null,
      version: mockSettings.version,
      schedule: 'daily',
    });
    expect(element.shadowRoot.querySelector('.saved-message').textContent).toBe(
      'Saved. Backups run daily; 2 objects are excluded from future backups.',
    );
    expect(scheduleRadio(element, 'daily').checked).toBe(true);
    expect(save.disabled).toBe(true);
  });

  it('puts the stored schedule back on Cancel', async () => {
    const element = await renderSettings();
    const daily = scheduleRadio(element, 'daily');
    daily.checked = true;
    daily.dispatchEvent(new CustomEvent('change'));
    await flushPromises();

    element.shadowRoot.querySelector('lightning-button.cancel').click();
    await flushPromises();

    expect(scheduleRadio(element, 'continuous').checked).toBe(true);
    expect(element.shadowRoot.querySelector('lightning-button.save').disabled).toBe(true);
  });

  it('keeps the schedule read-only for users without the manage permission', async () => {
    canManageSettings.mockResolvedValue(false);
    const element = await renderSettings();

    expect(scheduleRadio(element, 'daily').disabled).toBe(true);
  });
});
