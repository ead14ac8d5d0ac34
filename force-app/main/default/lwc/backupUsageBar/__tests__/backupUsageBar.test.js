import BackupUsageBar from 'c/backupUsageBar';
import { mount, unmountAll } from '../../../../../test/lwcTestUtils';

function barOf(element) {
  return element.shadowRoot.querySelector('[role="progressbar"]');
}

describe('c-backup-usage-bar', () => {
  afterEach(() => {
    unmountAll();
  });

  it('is a progress bar with a name, a value and a spoken value', async () => {
    const element = await mount('c-backup-usage-bar', BackupUsageBar, {
      label: "The org's daily API allowance",
      value: 61,
      tone: 'warning',
      marker: 50,
      markerLabel: "Auto Backup's budget: 50%",
      valueText: '61% used. Over budget.',
    });

    const bar = barOf(element);
    const name = element.shadowRoot.querySelector('.usage-label');
    expect(name.textContent).toBe("The org's daily API allowance");
    expect(bar.getAttribute('aria-labelledby')).toBe(name.id);
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(bar.getAttribute('aria-valuenow')).toBe('61');
    expect(bar.getAttribute('aria-valuetext')).toBe('61% used. Over budget.');
    expect(bar.dataset.tone).toBe('warning');
    const fill = bar.querySelector('.slds-progress-bar__value');
    expect(fill.className).toBe('slds-progress-bar__value fill fill_warning');
    expect(fill.style.width).toBe('61%');
    expect(bar.querySelector('[data-id="marker"]').style.left).toBe('50%');
    expect(element.shadowRoot.querySelector('.marker-legend').textContent).toBe("Auto Backup's budget: 50%");
  });

  it.each([
    ['base', 'slds-progress-bar__value fill'],
    ['error', 'slds-progress-bar__value fill fill_error'],
    ['purple', 'slds-progress-bar__value fill'],
  ])('draws tone %s as %s', async (tone, className) => {
    const element = await mount('c-backup-usage-bar', BackupUsageBar, { label: 'x', value: 10, tone });

    expect(barOf(element).querySelector('.slds-progress-bar__value').className).toBe(className);
  });

  it('keeps the value between 0 and 100 and has no marker unless given one', async () => {
    const element = await mount('c-backup-usage-bar', BackupUsageBar, { label: 'x', value: 130.4 });

    expect(barOf(element).getAttribute('aria-valuenow')).toBe('100');
    expect(barOf(element).querySelector('.slds-progress-bar__value').style.width).toBe('100%');
    expect(element.shadowRoot.querySelector('[data-id="marker"]')).toBeNull();
    expect(element.shadowRoot.querySelector('.marker-legend')).toBeNull();
  });

  it('keeps the legend of a marker near an end inside the bar', async () => {
    const element = await mount('c-backup-usage-bar', BackupUsageBar, {
      label: 'x',
      value: 10,
      marker: 95,
      markerLabel: 'Budget: 95%',
    });

    expect(element.shadowRoot.querySelector('.marker-legend').style.right).toBe('0px');
  });

  it('is accessible', async () => {
    const element = await mount('c-backup-usage-bar', BackupUsageBar, {
      label: 'API allowance',
      value: 42,
      marker: 50,
      markerLabel: 'Budget: 50%',
      valueText: '42% used',
    });

    await expect(element).toBeAccessible();
  });
});
