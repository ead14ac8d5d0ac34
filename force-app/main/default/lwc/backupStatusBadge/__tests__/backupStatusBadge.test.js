import BackupStatusBadge from 'c/backupStatusBadge';
import { mount, unmountAll } from '../../../../../test/lwcTestUtils';

function badgeOf(element) {
  return element.shadowRoot.querySelector('[data-id="status-badge"]');
}

describe('c-backup-status-badge', () => {
  afterEach(() => {
    unmountAll();
  });

  it('shows an object status with its colour, icon, label and meaning', async () => {
    const element = await mount('c-backup-status-badge', BackupStatusBadge, { status: 'Unavailable' });

    const badge = badgeOf(element);
    expect(badge.className).toBe('slds-badge slds-theme_error');
    expect(badge.dataset.tone).toBe('error');
    expect(badge.title).toContain('can no longer read this object');
    expect(badge.querySelector('.status-label').textContent).toBe('Unavailable');
    const icon = badge.querySelector('lightning-icon');
    expect(icon.iconName).toBe('utility:lock');
    expect(icon.variant).toBe('inverse');
    expect(icon.alternativeText).toBe('');
    expect(badge.querySelector('.slds-badge__icon').className).toBe(
      'slds-badge__icon slds-badge__icon_left slds-badge__icon_inverse',
    );
  });

  it('says why a Waiting object waits', async () => {
    const element = await mount('c-backup-status-badge', BackupStatusBadge, {
      status: 'Waiting',
      waitingFor: 'api-budget',
    });

    expect(badgeOf(element).querySelector('.status-label').textContent).toBe('Waiting (API budget)');
    expect(badgeOf(element).dataset.tone).toBe('warning');
    expect(badgeOf(element).querySelector('.slds-badge__icon').className).toBe(
      'slds-badge__icon slds-badge__icon_left',
    );
  });

  it('shows an overall status refined by what is paused', async () => {
    const element = await mount('c-backup-status-badge', BackupStatusBadge, {
      kind: 'overall',
      status: 'Paused',
      pausedScope: 'files',
    });

    expect(badgeOf(element).querySelector('.status-label').textContent).toBe('Paused (files)');
    expect(badgeOf(element).querySelector('lightning-icon').iconName).toBe('utility:pause');
  });

  it('follows a change of status', async () => {
    const element = await mount('c-backup-status-badge', BackupStatusBadge, {
      kind: 'overall',
      status: 'Backfilling',
    });
    element.status = 'Running Continuously';
    await Promise.resolve();

    expect(badgeOf(element).className).toBe('slds-badge slds-theme_success');
  });

  it('is accessible', async () => {
    const element = await mount('c-backup-status-badge', BackupStatusBadge, { status: 'Error' });

    await expect(element).toBeAccessible();
  });
});
