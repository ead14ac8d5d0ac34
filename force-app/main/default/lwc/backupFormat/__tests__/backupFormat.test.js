import {
  MISSING,
  formatBytes,
  formatCompactNumber,
  formatDay,
  formatDayLong,
  formatNumber,
  formatPercent,
} from 'c/backupFormat';

// The formatters follow the user's locale; these tests pin en-US.
const LOCALE = 'en-US';

describe('c-backup-format', () => {
  it('formats byte sizes in powers of 1024', () => {
    expect(formatBytes(0, LOCALE)).toBe('0 bytes');
    expect(formatBytes(1023, LOCALE)).toBe('1,023 bytes');
    expect(formatBytes(1536, LOCALE)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 ** 3, LOCALE)).toBe('5 GB');
    expect(formatBytes(3.25 * 1024 ** 4, LOCALE)).toBe('3.3 TB');
  });

  it('formats counts with separators and in short form', () => {
    expect(formatNumber(1234567, LOCALE)).toBe('1,234,567');
    expect(formatCompactNumber(1234567, LOCALE)).toBe('1.2M');
    expect(formatCompactNumber(950, LOCALE)).toBe('950');
  });

  it('formats a budget share as a percentage', () => {
    expect(formatPercent(0.5, LOCALE)).toBe('50%');
    expect(formatPercent(0.125, LOCALE)).toBe('12.5%');
  });

  it('formats progress days as UTC calendar days', () => {
    expect(formatDay('2026-11-03', LOCALE)).toBe('Nov 3');
    expect(formatDayLong('2026-01-01', LOCALE)).toBe('Jan 1, 2026');
  });

  it('shows a dash for missing values', () => {
    expect(formatBytes(null)).toBe(MISSING);
    expect(formatNumber(undefined)).toBe(MISSING);
    expect(formatCompactNumber(null)).toBe(MISSING);
    expect(formatPercent(undefined)).toBe(MISSING);
  });

  it('rejects values that are not numbers or days, naming them', () => {
    expect(() => formatBytes('12')).toThrow('bytes must be a finite number, got "12"');
    expect(() => formatNumber(Number.NaN)).toThrow('count must be a finite number');
    expect(() => formatDay('03/11/2026')).toThrow('day must look like YYYY-MM-DD, got "03/11/2026"');
  });
});
