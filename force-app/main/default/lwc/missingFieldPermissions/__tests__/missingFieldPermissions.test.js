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

  it('says so with a success icon when every field is readable', async () => {
    getMissingFieldPermissions.mockResolvedValue({ ...mockReport, items: [], objectsUnreadable: [] });
    const element = await renderReport();

    const line = element.shadowRoot.querySelector('.all-readable');
    expect(line.textContent).toContain('No missing field permissions');
    expect(line.querySelector('lightning-icon').iconName).toBe('utility:success');
    expect(element.shadowRoot.querySelector('table')).toBeNull();
  });

  it('counts the fields and sorts them by the column clicked, with aria-sort', async () => {
    const field = (object, label, fieldLabel, type) => ({
      object,
      label,
      field: `${fieldLabel.replace(/ /g, '_')}__c`,
      fieldLabel,
      type,
      grant: `Read access to ${object}.${fieldLabel}`,
    });
    getMissingFieldPermissions.mockResolvedValue({
      ...mockReport,
      items: [
        field('Account', 'Account', 'Secret', 'Text(255)'),
        field('Account', 'Account', 'Rating Score', 'Number(18, 0)'),
        field('Invoice__c', 'Invoice', 'Amount Due', 'Currency(16, 2)'),
      ],
    });
    const element = await renderReport();
    const fieldLabels = () =>
      Array.from(element.shadowRoot.querySelectorAll('tbody .field-label')).map((cell) => cell.textContent);
    const header = (key) => element.shadowRoot.querySelector(`th[data-key="${key}"]`);

    expect(element.shadowRoot.querySelector('.field-count').textContent).toBe(
      '3 fields of 2 objects cannot be read',
    );
    expect(fieldLabels()).toEqual(['Rating Score', 'Secret', 'Amount Due']);
    expect(header('label').getAttribute('aria-sort')).toBe('ascending');

    header('type').querySelector('button').click();
    await flushPromises();
    expect(fieldLabels()).toEqual(['Amount Due', 'Rating Score', 'Secret']);
    expect(header('type').getAttribute('aria-sort')).toBe('ascending');
    expect(header('label').hasAttribute('aria-sort')).toBe(false);

    header('type').querySelector('button').click();
    await flushPromises();
    expect(fieldLabels()).toEqual(['Secret', 'Rating Score', 'Amount Due']);
    expect(header('type').getAttribute('aria-sort')).toBe('descending');
    expect(element.shadowRoot.querySelector('.sort-announcement').textContent).toBe(
      'Sorted by Type, descending',
    );
    expect(header('grant').querySelector('button')).toBeNull();
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
