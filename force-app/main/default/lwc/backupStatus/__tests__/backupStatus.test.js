import {
  OBJECT_STATUSES,
  describeObjectStatus,
  describeOverallStatus,
  objectStatusLegend,
} from 'c/backupStatus';

describe('c-backup-status', () => {
  it('explains every overall status the service reports', () => {
    ['Backfilling', 'Behind', 'Running Continuously', 'Paused', 'Error'].forEach((status) => {
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
      badgeClass: 'slds-badge',
    });
    expect(describeOverallStatus(undefined).label).toBe('Unknown');
  });
});
