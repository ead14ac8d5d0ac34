import BackupDateTime from 'c/backupDateTime';
import { mount, unmountAll } from '../../../../../test/lwcTestUtils';

const AT = '2026-11-25T08:12:34.000Z';

function formatted(element) {
  return element.shadowRoot.querySelector('lightning-formatted-date-time');
}

describe('c-backup-date-time', () => {
  afterEach(unmountAll);

  it('shows the day and the time to the minute by default', async () => {
    const element = await mount('c-backup-date-time', BackupDateTime, { value: AT });

    const shown = formatted(element);
    expect(shown.value).toBe(AT);
    expect([shown.year, shown.month, shown.day]).toEqual(['numeric', 'short', 'numeric']);
    expect([shown.hour, shown.minute, shown.second]).toEqual(['2-digit', '2-digit', undefined]);
  });

  it('adds seconds, or leaves the time of day out, when asked', async () => {
    const withSeconds = await mount('c-backup-date-time', BackupDateTime, { value: AT, precision: 'second' });
    const dayOnly = await mount('c-backup-date-time', BackupDateTime, { value: AT, precision: 'day' });

    expect(formatted(withSeconds).second).toBe('2-digit');
    expect([formatted(dayOnly).hour, formatted(dayOnly).minute]).toEqual([undefined, undefined]);
    expect(formatted(dayOnly).day).toBe('numeric');
  });

  it('rejects a precision it does not know, naming it', async () => {
    const element = await mount('c-backup-date-time', BackupDateTime, { value: AT });

    expect(() => {
      element.precision = 'hour';
    }).toThrow('precision must be one of day, minute, second, got "hour"');
    expect(formatted(element).hour).toBe('2-digit');
  });
});
