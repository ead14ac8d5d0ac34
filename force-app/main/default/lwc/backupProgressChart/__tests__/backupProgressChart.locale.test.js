// A German-speaking user (Salesforce locale de_DE): the chart writes numbers and days as that user reads them.
jest.mock('@salesforce/i18n/locale', () => ({ default: 'de-DE' }), { virtual: true });

import BackupProgressChart from 'c/backupProgressChart';
import { flushPromises, mount, unmountAll } from '../../../../../test/lwcTestUtils';

const PROGRESS = [
  { day: '2026-11-21', versions: 1450000, files: 3000 },
  { day: '2026-11-22', versions: 800000, files: 1000 },
];

describe('c-backup-progress-chart in the user’s locale', () => {
  afterEach(unmountAll);

  it('abbreviates the value axis, and writes days and figures, in the user’s locale', async () => {
    const element = await mount('c-backup-progress-chart', BackupProgressChart, { progress: PROGRESS });

    const labels = Array.from(element.shadowRoot.querySelectorAll('.y-tick-label')).map((node) =>
      node.textContent.trim(),
    );
    expect(labels).toEqual([
      '0',
      '250.000',
      '500.000',
      '750.000',
      '1\u00a0Mio.',
      '1,25\u00a0Mio.',
      '1,5\u00a0Mio.',
    ]);

    const column = element.shadowRoot.querySelectorAll('.chart-column')[1];
    expect(column.getAttribute('aria-label')).toBe('22. Nov. 2026: 800.000 record versions, 1.000 files');
    column.dispatchEvent(new CustomEvent('mouseenter'));
    await flushPromises();
    expect(element.shadowRoot.querySelector('.tooltip-day').textContent).toBe('22. Nov. 2026');
  });
});
