import { EMPTY_VALUE, MASKED_TEXT, MASKED_VALUE, formatFieldValue } from '../fieldFormat';

const US = { locale: 'en-US', timeZone: 'America/Los_Angeles', currency: 'USD' };
const GERMANY = { locale: 'de-DE', timeZone: 'Europe/Berlin', currency: 'EUR' };
// Intl separates a number from its currency sign with a no-break space in some locales.
const spaced = (text) => text.replace(/\u00a0|\u202f/g, ' ');

describe('formatFieldValue', () => {
  it('groups numbers with the locale separators and the field decimals', () => {
    expect(formatFieldValue(2500000, { type: 'double', scale: 0 }, US)).toBe('2,500,000');
    expect(formatFieldValue(1234.5, { type: 'double', scale: 2 }, US)).toBe('1,234.50');
    expect(formatFieldValue(1234.5, { type: 'double', scale: 2 }, GERMANY)).toBe('1.234,50');
    expect(formatFieldValue(42000, { type: 'int' }, US)).toBe('42,000');
    expect(formatFieldValue('1500', { type: 'int' }, US)).toBe('1,500');
  });

  it('shows currency with its symbol and decimals, in the locale', () => {
    expect(formatFieldValue(2500000, { type: 'currency', scale: 2 }, US)).toBe('$2,500,000.00');
    expect(formatFieldValue(2500000, { type: 'currency', scale: 0 }, US)).toBe('$2,500,000');
    expect(spaced(formatFieldValue(1234.5, { type: 'currency', scale: 2 }, GERMANY))).toBe('1.234,50 €');
  });

  it('shows a percent field as the percentage it holds', () => {
    expect(formatFieldValue(12.5, { type: 'percent', scale: 1 }, US)).toBe('12.5%');
    expect(formatFieldValue(80, { type: 'percent', scale: 0 }, US)).toBe('80%');
  });

  it('shows dates as that calendar day and date-times in the user time zone', () => {
    expect(formatFieldValue('2026-03-01', { type: 'date' }, US)).toBe('Mar 1, 2026');
    expect(formatFieldValue('2026-03-01', { type: 'date' }, GERMANY)).toBe('1. März 2026');
    expect(formatFieldValue('2026-11-25T16:30:00.000+0000', { type: 'datetime' }, US)).toBe(
      'Nov 25, 2026, 8:30 AM',
    );
    expect(formatFieldValue('2026-11-25T16:30:00.000Z', { type: 'datetime' }, GERMANY)).toBe(
      '25. Nov. 2026, 17:30',
    );
    expect(formatFieldValue('13:45:00.000Z', { type: 'time' }, US)).toBe('1:45 PM');
  });

  it('shows checkboxes as Yes or No', () => {
    expect(formatFieldValue(true, { type: 'boolean' }, US)).toBe('Yes');
    expect(formatFieldValue(false, { type: 'boolean' }, US)).toBe('No');
    expect(formatFieldValue('false', { type: 'boolean' }, US)).toBe('No');
  });

  it('shows an address on lines, as a record page does, not as JSON', () => {
    const address = {
      street: '1 Market St',
      city: 'San Francisco',
      state: 'CA',
      postalCode: '94105',
      country: 'USA',
      latitude: null,
      longitude: null,
    };
    expect(formatFieldValue(address, { type: 'address' }, US)).toBe(
      '1 Market St\nSan Francisco, CA 94105\nUSA',
    );
    expect(formatFieldValue({ city: 'Lyon', country: 'France' }, { type: 'address' }, US)).toBe(
      'Lyon\nFrance',
    );
    expect(formatFieldValue({ latitude: 37.7749, longitude: -122.4194 }, { type: 'location' }, US)).toBe(
      '37.7749, -122.4194',
    );
  });

  it('shows picklist values by label, and a value no longer in the picklist as stored', () => {
    const industry = {
      type: 'picklist',
      picklistValues: [{ value: 'Energy', label: 'Energy and Utilities' }],
    };
    expect(formatFieldValue('Energy', industry, US)).toBe('Energy and Utilities');
    expect(formatFieldValue('Retired', industry, US)).toBe('Retired');
    const regions = {
      type: 'multipicklist',
      picklistValues: [
        { value: 'EMEA', label: 'Europe, Middle East and Africa' },
        { value: 'APAC', label: 'Asia Pacific' },
      ],
    };
    expect(formatFieldValue('EMEA;APAC', regions, US)).toBe('Europe, Middle East and Africa; Asia Pacific');
  });

  it('keeps references, ids and text as they are', () => {
    expect(formatFieldValue('005000000000001AAA', { type: 'reference' }, US)).toBe('005000000000001AAA');
    expect(formatFieldValue('94105', { type: 'string' }, US)).toBe('94105');
    expect(formatFieldValue('Line one\nLine two', { type: 'textarea' }, US)).toBe('Line one\nLine two');
  });

  it('says when a value is empty or hidden', () => {
    expect(formatFieldValue(null, { type: 'currency' }, US)).toBe(EMPTY_VALUE);
    expect(formatFieldValue('', { type: 'string' }, US)).toBe(EMPTY_VALUE);
    expect(formatFieldValue(MASKED_VALUE, { type: 'encryptedstring' }, US)).toBe(MASKED_TEXT);
  });

  it('shows a field without a description by its JSON type', () => {
    expect(formatFieldValue(2500000, undefined, US)).toBe('2,500,000');
    expect(formatFieldValue(true, undefined, US)).toBe('Yes');
    expect(formatFieldValue({ city: 'Lyon', country: 'France' }, undefined, US)).toBe('Lyon\nFrance');
    expect(formatFieldValue({ custom: 1 }, undefined, US)).toBe('{"custom":1}');
    expect(formatFieldValue('Acme', undefined, US)).toBe('Acme');
  });

  it('shows an amount with the code when the currency is not one Intl knows', () => {
    expect(formatFieldValue(10, { type: 'currency', scale: 2 }, { ...US, currency: 'XX1' })).toBe(
      '10.00 XX1',
    );
  });
});
