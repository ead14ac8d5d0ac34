import fs from 'fs';
import path from 'path';
import {
  OBJECT_STATUSES,
  STATUS_TONES,
  describeObjectStatus,
  describeOverallStatus,
  objectStatusLegend,
} from 'c/backupStatus';

const OVERALL_STATUSES = ['Backfilling', 'Behind', 'Running Continuously', 'Paused', 'Error'];
const SLDS_ICONS = path.join(
  __dirname,
  '../../../../../../node_modules/@salesforce-ux/design-system/assets/icons',
);

/** Whether `utility:name` is an icon SLDS has (lightning-icon draws nothing for one it has not). */
function iconExists(iconName) {
  const [category, name] = iconName.split(':');
  return fs.existsSync(path.join(SLDS_ICONS, category, `${name}.svg`));
}

describe('c-backup-status', () => {
  it('explains every overall status the service reports', () => {
    OVERALL_STATUSES.forEach((status) => {
      const described = describeOverallStatus(status, 'none');
      expect(described.meaning).not.toContain('does not know');
      expect(described.badgeClass).toMatch(/^slds-badge /);
    });
  });

  it('names what is paused', () => {
    expect(describeOverallStatus('Paused', 'files').label).toBe('Paused (files)');
    expect(describeOverallStatus('Paused', 'all').label).toBe('Paused (records and files)');
    expect(describeOverallStatus('Paused', 'none').label).toBe('Paused');
  });

  it.each([
    ['Running Continuously', 'success', 'slds-theme_success'],
    ['Backfilling', 'in-progress', 'slds-theme_alt-inverse'],
    ['Behind', 'warning', 'slds-theme_warning'],
    ['Paused', 'warning', 'slds-theme_warning'],
    ['Error', 'error', 'slds-theme_error'],
  ])('gives overall status %s the %s tone', (status, tone, theme) => {
    const described = describeOverallStatus(status, 'all');
    expect(described.tone).toBe(tone);
    expect(described.badgeClass).toBe(`slds-badge ${theme}`);
  });

  it.each([
    ['Waiting', undefined, 'success'],
    ['Running', undefined, 'in-progress'],
    ['Backfilling', undefined, 'in-progress'],
    ['Paused', undefined, 'warning'],
    ['Waiting', 'api-budget', 'warning'],
    ['Excluded', undefined, 'neutral'],
    ['Unavailable', undefined, 'error'],
    ['Error', undefined, 'error'],
  ])('gives object status %s (waiting for %s) the %s tone', (status, waitingFor, tone) => {
    expect(describeObjectStatus(status, waitingFor).tone).toBe(tone);
  });

  it('tells every status apart by its tone and icon together, never by colour alone', () => {
    const looks = [
      ...OVERALL_STATUSES.map((status) => describeOverallStatus(status, 'none')),
      ...objectStatusLegend(),
    ];
    looks.forEach((look) => {
      expect(STATUS_TONES).toContain(look.tone);
      expect(iconExists(look.iconName)).toBe(true);
    });
    // Within each list, no two statuses share both colour and icon.
    const distinct = (list) => new Set(list.map((look) => `${look.badgeClass}|${look.iconName}`)).size;
    expect(distinct(OVERALL_STATUSES.map((status) => describeOverallStatus(status, 'none')))).toBe(
      OVERALL_STATUSES.length,
    );
    expect(distinct(objectStatusLegend())).toBe(objectStatusLegend().length);
    // Paused and Unavailable used to share one orange: an object the user paused and one the
    // integration user lost access to need different colours.
    expect(describeObjectStatus('Paused').badgeClass).not.toBe(
      describeObjectStatus('Unavailable').badgeClass,
    );
    expect(describeObjectStatus('Unavailable').iconName).not.toBe(describeObjectStatus('Error').iconName);
  });

  it('keeps icons legible: white on the dark themes, the theme colour on warning and neutral', () => {
    expect(describeObjectStatus('Error').iconVariant).toBe('inverse');
    expect(describeObjectStatus('Running').iconVariant).toBe('inverse');
    expect(describeObjectStatus('Waiting').iconVariant).toBe('inverse');
    expect(describeObjectStatus('Paused').iconVariant).toBe('');
    expect(describeObjectStatus('Excluded').iconVariant).toBe('');
  });

  it('explains every object status and lists them in order', () => {
    expect(OBJECT_STATUSES).toEqual([
      'Waiting',
      'Running',
      'Backfilling',
      'Paused',
      'Excluded',
      'Unavailable',
      'Error',
    ]);
    expect(objectStatusLegend().map((entry) => entry.status)).toEqual([
      ...OBJECT_STATUSES,
      'Waiting-api-budget',
    ]);
    expect(describeObjectStatus('Error').badgeClass).toBe('slds-badge slds-theme_error');
    expect(describeObjectStatus('Waiting', 'api-budget').label).toBe('Waiting (API budget)');
    expect(describeObjectStatus('Running', 'api-budget').label).toBe('Running');
  });

  it('shows a status this version does not know as it is, with a neutral badge', () => {
    expect(describeObjectStatus('Hibernating')).toEqual({
      label: 'Hibernating',
      meaning: 'The backup service reported a status this version of the package does not know.',
      tone: 'unknown',
      badgeClass: 'slds-badge',
      iconName: 'utility:question',
      iconVariant: '',
    });
    expect(describeOverallStatus(undefined).label).toBe('Unknown');
  });
});
