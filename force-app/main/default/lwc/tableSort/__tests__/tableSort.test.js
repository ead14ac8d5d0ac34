import { nextSort, sortAnnouncement, sortableHeaders } from 'c/tableSort';

const COLUMNS = [
  { key: 'label', label: 'Object', sortable: true },
  { key: 'records', label: 'Records', sortable: true, firstOrder: 'desc', align: 'right' },
  { key: 'reason', label: 'Why', sortable: false },
];

describe('c/tableSort', () => {
  it('sorts a new column in its first order, and reverses the sorted one', () => {
    const byRecords = nextSort({ sortBy: 'label', sortOrder: 'asc' }, COLUMNS, 'records');
    expect(byRecords).toEqual({ sortBy: 'records', sortOrder: 'desc' });
    expect(nextSort(byRecords, COLUMNS, 'records')).toEqual({ sortBy: 'records', sortOrder: 'asc' });
    expect(nextSort(byRecords, COLUMNS, 'label')).toEqual({ sortBy: 'label', sortOrder: 'asc' });
  });

  it('refuses a column that cannot be sorted', () => {
    expect(() => nextSort(null, COLUMNS, 'reason')).toThrow('"reason" cannot be sorted');
  });

  it('sets aria-sort and the SLDS sorted classes on the sorted column only', () => {
    const [object, records, why] = sortableHeaders(COLUMNS, { sortBy: 'records', sortOrder: 'desc' });

    expect(records.ariaSort).toBe('descending');
    expect(records.thClass).toBe('slds-is-sortable slds-is-sorted slds-is-sorted_desc slds-text-align_right');
    expect(records.iconName).toBe('utility:arrowdown');
    expect(records.buttonTitle).toBe('Sort by Records, ascending');
    expect(object.ariaSort).toBeNull();
    expect(object.sorted).toBe(false);
    expect(object.thClass).toBe('slds-is-sortable');
    expect(object.buttonTitle).toBe('Sort by Object, ascending');
    expect(why.sortable).toBe(false);
    expect(why.ariaSort).toBeNull();
  });

  it('draws an upward arrow for an ascending sort', () => {
    const [object] = sortableHeaders(COLUMNS, { sortBy: 'label', sortOrder: 'asc' });
    expect(object.ariaSort).toBe('ascending');
    expect(object.iconName).toBe('utility:arrowup');
  });

  it('announces the column and direction', () => {
    expect(sortAnnouncement(COLUMNS, { sortBy: 'records', sortOrder: 'desc' })).toBe(
      'Sorted by Records, descending',
    );
  });
});
