import { Loader, PagedListLoader, isLoadedEmpty } from 'c/dataLoader';

/** A promise the test settles by hand, to make answers arrive out of order. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('c-data-loader', () => {
  describe('Loader', () => {
    it('raises the busy flag while a request runs and applies the answer', async () => {
      const host = { loading: false, error: 'old failure' };
      const answer = deferred();
      const applied = [];
      const done = new Loader(host).load(
        () => answer.promise,
        (result) => applied.push(result),
      );

      expect(host.loading).toBe(true);
      expect(host.error).toBeUndefined();
      answer.resolve({ items: [1] });
      await done;

      expect(applied).toEqual([{ items: [1] }]);
      expect(host.loading).toBe(false);
    });

    it('keeps a failure in the error field it was given', async () => {
      const host = {};
      const failure = { body: { message: 'The backup service is unreachable.' } };
      await new Loader(host, { errorField: 'loadError' }).load(
        () => Promise.reject(failure),
        () => {
          throw new Error('must not be applied');
        },
      );

      expect(host.loadError).toBe(failure);
      expect(host.error).toBeUndefined();
      expect(host.loading).toBe(false);
    });

    it('drops the answer and the failure of a request a newer one overtook', async () => {
      const host = {};
      const loader = new Loader(host);
      const older = deferred();
      const newer = deferred();
      const applied = [];
      const first = loader.load(
        () => older.promise,
        (result) => applied.push(result),
      );
      const second = loader.load(
        () => newer.promise,
        (result) => applied.push(result),
      );

      older.reject(new Error('late failure'));
      await first;
      expect(host.error).toBeUndefined();
      expect(host.loading).toBe(true);

      newer.resolve('newest');
      await second;
      expect(applied).toEqual(['newest']);
      expect(host.loading).toBe(false);
    });

    it('turns every busy flag off once the newest request is done', async () => {
      const host = { loading: false, loadingMore: false };
      const loader = new Loader(host, { busyFields: ['loading', 'loadingMore'] });
      const answer = deferred();
      const done = loader.load(
        () => answer.promise,
        () => {},
        'loadingMore',
      );

      expect(host).toMatchObject({ loading: false, loadingMore: true });
      answer.resolve();
      await done;
      expect(host).toMatchObject({ loading: false, loadingMore: false });
    });

    it('needs a component to write to', () => {
      expect(() => new Loader()).toThrow('Loader needs the component it loads for');
    });
  });

  describe('PagedListLoader', () => {
    it('starts from the first page, then appends the page after the cursor', async () => {
      const host = { items: ['stale'], next: 'stale-cursor' };
      const fetchPage = jest
        .fn()
        .mockResolvedValueOnce({ items: ['a', 'b'], next: 'c2' })
        .mockResolvedValueOnce({ items: ['c'], next: null });
      const pages = new PagedListLoader(host, fetchPage);

      await pages.reload();
      expect(fetchPage).toHaveBeenLastCalledWith(null);
      expect(host).toMatchObject({ items: ['a', 'b'], next: 'c2', loaded: true, loading: false });

      const more = pages.loadMore();
      expect(host).toMatchObject({ loading: false, loadingMore: true });
      await more;
      expect(fetchPage).toHaveBeenLastCalledWith('c2');
      expect(host).toMatchObject({ items: ['a', 'b', 'c'], next: null, loadingMore: false });
    });

    it('empties the list while reloading and treats a missing answer as no items', async () => {
      const host = { items: ['old'], next: 'x' };
      const answer = deferred();
      const done = new PagedListLoader(host, () => answer.promise).reload();

      expect(host).toMatchObject({ items: [], next: null, loading: true });
      answer.resolve(undefined);
      await done;
      expect(host).toMatchObject({ items: [], next: null, loaded: true });
    });

    it('keeps the rows shown while a new sort of them loads, then replaces them', async () => {
      const host = { items: ['b', 'a'], next: 'x' };
      const answer = deferred();
      const done = new PagedListLoader(host, () => answer.promise).reload({ keepItems: true });

      expect(host).toMatchObject({ items: ['b', 'a'], next: 'x', loading: true });
      answer.resolve({ items: ['a', 'b'], next: null });
      await done;
      expect(host).toMatchObject({ items: ['a', 'b'], next: null, loading: false });
    });

    it('reloads once typing pauses, and not at all once cancelled', async () => {
      jest.useFakeTimers();
      try {
        const fetchPage = jest.fn().mockResolvedValue({ items: [], next: null });
        const pages = new PagedListLoader({}, fetchPage);

        pages.reloadAfterPause(300);
        await jest.advanceTimersByTimeAsync(200);
        pages.reloadAfterPause(300);
        await jest.advanceTimersByTimeAsync(200);
        expect(fetchPage).not.toHaveBeenCalled();
        await jest.advanceTimersByTimeAsync(100);
        expect(fetchPage).toHaveBeenCalledTimes(1);

        pages.reloadAfterPause(300);
        pages.cancelPendingReload();
        await jest.advanceTimersByTimeAsync(1000);
        expect(fetchPage).toHaveBeenCalledTimes(1);
      } finally {
        jest.useRealTimers();
      }
    });

    it('needs a function that fetches a page', () => {
      expect(() => new PagedListLoader({}, null)).toThrow('PagedListLoader needs a function');
    });
  });

  it('calls a list empty only once it has loaded without a failure', () => {
    expect(isLoadedEmpty({ loaded: true, loading: false }, [])).toBe(true);
    expect(isLoadedEmpty({ loaded: false, loading: false }, [])).toBe(false);
    expect(isLoadedEmpty({ loaded: true, loading: true }, [])).toBe(false);
    expect(isLoadedEmpty({ loaded: true, loading: false, error: new Error('x') }, [])).toBe(false);
    expect(isLoadedEmpty({ loaded: true, loading: false }, [1])).toBe(false);
  });
});
