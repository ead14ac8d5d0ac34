import MissingFieldPermissions from 'c/missingFieldPermissions';
import getMissingFieldPermissions from '@salesforce/apex/AutoBackupErrorsController.getMissingFieldPermissions';
import { apexError, flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const mockReport = require('./data/getMissingFieldPermissions.json');

const APEX_ERROR = apexError('The backup service did not answer in time.');

function renderReport() {
  return mount('c-missing-field-permissions', MissingFieldPermissions);
}

describe('c-missing-field-permissions', () => {
  afterEach(() => {
    unmountAll();
    jest.clearAllMocks();
  });

  it('lists each unreadable field with its object, type and what to grant', async () => {
    getMissingFieldPermissions.mockResolvedValue(mockReport);
    const element = await renderReport();

    const rows = Array.from(element.shadowRoot.querySelectorAll('tbody tr')).map((row) => [
      row.querySelector('.object-label').textContent,
      row.querySelector('.field-label').textContent,
      row.querySelector('.field-name').textContent,
      row.querySelector('.field-type').textContent,
      row.querySelector('.grant').textContent,
    ]);
    expect(rows).toEqual([
      [
        'Account',
        'Secret',
        'Secret__c',
        'Text(255)',
        'Read access to Account.Secret__c (field-level security)',
      ],
    ]);
    expect(element.shadowRoot.querySelector('.checked-at').value).toBe('2026-11-25T08:00:00.000Z');
    expect(element.shadowRoot.querySelector('.check-error')).toBeNull();
  });

  it('lists the objects the integration user cannot read', async () => {
    getMissingFieldPermissions.mockResolvedValue(mockReport);
    const element = await renderReport();

    const item = element.shadowRoot.querySelector('.unreadable-objects li[data-object="Invoice__c"]');
    expect(item.textContent).toBe('Invoice (Invoice__c): Read access to Invoice__c');
  });

  it('shows why the fields could not be checked', async () => {
    getMissingFieldPermissions.mockResolvedValue({
      checkedAt: null,
      items: [],
      objectsUnreadable: [],
      error: {
        code: 'FIELD_DEFINITION_DENIED',
        message: 'The integration user cannot read FieldDefinition: grant "View Setup and Configuration".',
      },
    });
    const element = await renderReport();

    expect(element.shadowRoot.querySelector('.check-error').textContent).toContain(
      'grant "View Setup and Configuration"',
    );
    expect(element.shadowRoot.querySelector('.all-readable')).toBeNull();
  });

  it('says so when every field is readable', async () => {
    getMissingFieldPermissions.mockResolvedValue({ ...mockReport, items: [], objectsUnreadable: [] });
    const element = await renderReport();

    expect(element.shadowRoot.querySelector('.all-readable')).not.toBeNull();
    expect(element.shadowRoot.querySelector('table')).toBeNull();
  });

  it('shows an error panel when the report cannot be loaded, and retries', async () => {
    getMissingFieldPermissions.mockRejectedValueOnce(APEX_ERROR).mockResolvedValueOnce(mockReport);
    const element = await renderReport();

    const panel = element.shadowRoot.querySelector('c-error-panel');
    expect(panel.errors).toEqual(APEX_ERROR);
    panel.dispatchEvent(new CustomEvent('retry'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('c-error-panel')).toBeNull();
    expect(element.shadowRoot.querySelectorAll('tbody tr')).toHaveLength(1);
  });

  it('is accessible', async () => {
    getMissingFieldPermissions.mockResolvedValue(mockReport);
    const element = await renderReport();

    await expect(element).toBeAccessible();
  });
});
