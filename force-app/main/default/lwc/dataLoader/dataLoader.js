/**
 * Loading what a component shows from Apex, the same way everywhere: a busy flag while a request
 * runs, the error kept for c-error-panel when it fails, and only the newest request's answer
 * applied (a slow earlier answer, e.g. of an older search, is dropped).
 *
 * The loaders write the state into fields their host component declares (so the template
 * re-renders): `loading` and `error` by default, plus `items`, `next`, `loadingMore` and `loaded`
 * for a paged list.
 *
 * Example: `this.loader = new Loader(this);`
 *          `this.loader.load(() => getMissingFieldPermissions(), (report) => { this.report = report; });`
 */
export class Loader {
  /**
   * @param host the component whose fields are written
   * @param options.busyFields the flags one of which is on while a request runs (all off after it)
   * @param options.errorField where a failure is kept
   */
  constructor(host, { busyFields = ['loading'], errorField = 'error' } = {}) {
    if (!host) {
      throw new TypeError('Loader needs the component it loads for');
    }
    this.host = host;
    this.busyFields = busyFields;
    this.errorField = errorField;
    this.turn = 0;
  }

  /**
   * Runs `request` (a function returning the Apex promise) and hands its answer to `apply`, unless
   * a newer load started meanwhile. `busyField` names the flag to raise (the first one by default).
   */
  async load(request, apply, busyField = this.busyFields[0]) {
    const turn = ++this.turn;
    const isNewest = () => turn === this.turn;
    this.busyFields.forEach((field) => {
      this.host[field] = field === busyField;
    });
    this.host[this.errorField] = undefined;
    try {
      const result = await request();
      if (isNewest()) {
        apply(result);
      }
    } catch (error) {
      if (isNewest()) {
        this.host[this.errorField] = error;
      }
    } finally {
      if (isNewest()) {
        this.busyFields.forEach((field) => {
          this.host[field] = false;
        });
      }
    }
  }
}

/**
 * A list the service returns a page at a time ({ items, next }): `reload()` starts over from the
 * first page (`loading`), `loadMore()` appends the page after `next` (`loadingMore`), and `loaded`
 * turns true once any page has arrived. A filter typed by the user reloads after a pause.
 *
 * Example: `new PagedListLoader(this, (cursor) => getErrors({ objectName, cursor, pageSize }))`.
 */
export class PagedListLoader {
  constructor(host, fetchPage) {
    if (typeof fetchPage !== 'function') {
      throw new TypeError('PagedListLoader needs a function that fetches the page after a cursor');
    }
    this.host = host;
    this.fetchPage = fetchPage;
    this.loader = new Loader(host, { busyFields: ['loading', 'loadingMore'] });
    this.pauseTimer = undefined;
  }

  /**
   * Starts over from the first page. `keepItems`: the rows shown stay until the new first page
   * replaces them (a new sort of the same rows: the table, and the header button the user just
   * pressed, keep their place and the keyboard focus); otherwise the list empties at once (a new
   * filter: the old rows no longer answer it).
   */
  reload({ keepItems = false } = {}) {
    if (!keepItems) {
      this.host.items = [];
      this.host.next = null;
    }
    return this.fetch(null);
  }

  loadMore() {
    return this.fetch(this.host.next);
  }

  /**
   * Reloads once the user has paused typing a filter for `delayMs`; each call restarts the wait,
   * so the service is asked once per pause, not once per keystroke.
   */
  reloadAfterPause(delayMs) {
    clearTimeout(this.pauseTimer);
    // eslint-disable-next-line @lwc/lwc/no-async-operation
    this.pauseTimer = setTimeout(() => this.reload(), delayMs);
  }

  /** Drops a reload still waiting for the pause (the component left the page). */
  cancelPendingReload() {
    clearTimeout(this.pauseTimer);
  }

  fetch(cursor) {
    const more = cursor !== null;
    return this.loader.load(
      () => this.fetchPage(cursor),
      (page) => {
        const items = (page && page.items) || [];
        this.host.items = more ? [...this.host.items, ...items] : items;
        this.host.next = (page && page.next) || null;
        this.host.loaded = true;
      },
      more ? 'loadingMore' : 'loading',
    );
  }
}

/** A finished load that found nothing: the moment to say so instead of showing an empty table. */
export function isLoadedEmpty({ loaded, loading, error }, list) {
  return loaded && !loading && !error && list.length === 0;
}
