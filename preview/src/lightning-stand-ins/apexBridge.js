/**
 * The Apex bridge: what the package's Apex controllers (force-app/main/default/classes) answer the
 * components, answered in the preview by the service's HTTP API, which the controllers call through
 * AutoBackupClient. Each entry below is the controller method of the same name, doing the same
 * requests in the same order and returning the same shape (the AutoBackupModels class, @AuraEnabled
 * properties only). It is a shape adapter: deciding anything is the service's job.
 * test/apex/apex-bridge-contract.test.ts checks its answers against the schemas the Apex models and the
 * components' jest fixtures are checked against.
 *
 * Requests go to the service the page came from, authorised by the preview cookie (HttpOnly, set by
 * the one-time link `npm start` prints), for the one org that cookie was issued for.
 *
 * What only Apex does, so is NOT exercised by the preview:
 * - permission checks: the custom permission Auto_Backup_Manage_Settings (AutoBackupAccess) —
 *   canManageSettings answers true, the preview user is an admin;
 * - record access: AutoBackupHistoryController checks the object is readable and the record visible
 *   to the user (USER_MODE query), and drops fields the user cannot read (FLS);
 * - encrypted-field masking for users without View Encrypted Data;
 * - field descriptions from the Schema describe in the user's language (getFieldDescriptions): here the
 *   describe the service's last schema scan stored, as the integration user sees it;
 * - input checks of AutoBackupInput (mode and schedule values, object API names, page sizes,
 *   exclusion names): here the service's own validation answers instead, with its own wording;
 * - the Named Credential, External Credential and callout limits (6 MB answers, 120 s).
 */

const CSV_PASS_THROUGH_MAX_BYTES = 1000000;
const PREVIEW_USER_NAME = 'Preview admin';
// AutoBackupException.ConflictException's message, which the components recognise (c/ldsUtils).
const CONFLICT_MESSAGE = 'The settings were changed by someone else; reload and try again.';

let session;

/** The org the preview cookie is for, asked once. */
function orgId() {
  session ??= fetch('/preview/session', { headers: { Accept: 'application/json' } }).then(
    async (response) => {
      if (!response.ok) {
        session = undefined;
        throw await failure(response);
      }
      return (await response.json()).orgId;
    },
  );
  return session;
}

/** An error as a component receives a failed Apex call: `{ status, body: { message } }`. */
async function failure(response) {
  let code;
  let message;
  try {
    const error = (await response.json()).error;
    code = error && error.code;
    message = error && error.message;
  } catch {
    // not JSON: the status says it
  }
  message = message || `HTTP ${response.status} ${response.statusText}`.trim();
  const status = response.status;
  let text = message;
  if (status === 412) text = CONFLICT_MESSAGE;
  else if (status === 401 || status === 403)
    text = `The backup service did not accept this preview's session (${message}). Open the link npm start printed again.`;
  else if (status === 404) text = `The backup service has nothing for this request: ${message}`;
  else if (status === 429) text = 'The backup service is busy; please try again in a minute.';
  else if (status >= 500)
    text = `The backup service reported an internal error; please try again later. (${message})`;
  return { status, body: { message: text, code } };
}

async function send(method, suffix, { query, body, headers } = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {}))
    if (value !== undefined && value !== null && String(value).trim() !== '') params.set(name, String(value));
  const search = params.size > 0 ? `?${params}` : '';
  let response;
  try {
    response = await fetch(`/api/v1/orgs/${await orgId()}${suffix}${search}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw { status: 0, body: { message: `The backup service could not be reached (${err.message}).` } };
  }
  if (!response.ok) throw await failure(response);
  return response;
}

const getJson = async (suffix, query) => (await send('GET', suffix, { query })).json();

/** Keeps the named properties the answer has, as the model class read from it keeps them. */
function pick(source, names, nested = {}) {
  if (source === null || source === undefined) return source;
  const result = {};
  for (const name of names) {
    if (!(name in source)) continue;
    const value = source[name];
    result[name] = value !== null && nested[name] ? nested[name](value) : value;
  }
  return result;
}
const each = (shape) => (list) => list.map(shape);

// The AutoBackupModels classes, @AuraEnabled properties only.
const models = {
  Dashboard: (d) =>
    pick(
      d,
      [
        'status',
        'pausedScope',
        'enabled',
        'storage',
        'mode',
        'schedule',
        'settingsVersion',
        'totals',
        'coverage',
        'progress',
        'errors',
        'api',
        'lastScanAt',
      ],
      {
        totals: (t) => pick(t, ['records', 'versions', 'files', 'bytes']),
        progress: each((p) => pick(p, ['day', 'versions', 'files'])),
        errors: (e) => pick(e, ['open', 'since']),
        api: (a) =>
          pick(a, ['used', 'max', 'budgetShare', 'serviceUsed', 'serviceMax', 'waitingForBudgetUntil']),
      },
    ),
  ObjectPage: (p) =>
    pick(p, ['items', 'next', 'summary'], {
      summary: (t) => pick(t, ['objects', 'matching', 'fileObjects', 'files', 'fileBytes', 'unsupported']),
      items: each((o) =>
        pick(o, [
          'name',
          'label',
          'status',
          'records',
          'versions',
          'lastBackupAt',
          'caughtUpTo',
          'files',
          'fileBytes',
          'waitingFor',
        ]),
      ),
    }),
  ExcludedObjects: (e) =>
    pick(e, ['items', 'next', 'total'], { items: each((o) => pick(o, ['name', 'label', 'reason'])) }),
  Settings: (s) => pick(s, ['mode', 'schedule', 'exclusions', 'apiBudgetShare', 'version']),
  // AutoBackupClient.getErrors copies these keys, nulls included, into each item's map.
  ErrorPage: (p) => ({
    items: (p.items || []).map((item) =>
      Object.fromEntries(
        ['id', 'at', 'object', 'recordId', 'code', 'message', 'hint'].map((key) => [key, item[key] ?? null]),
      ),
    ),
    next: p.next ?? null,
  }),
  // AutoBackupClient.getMissingFieldPermissions: JSON.deserialize keeps every key of the maps.
  MissingFieldPermissions: (m) => pick(m, ['checkedAt', 'items', 'objectsUnreadable', 'error']),
  ObjectFields: (o) =>
    pick(o, ['name', 'label', 'fields'], {
      fields: each((f) =>
        pick(f, ['name', 'label', 'type', 'scale', 'picklistValues'], {
          picklistValues: each((v) => pick(v, ['value', 'label'])),
        }),
      ),
    }),
  // AutoBackupClient.getRecordVersions: deleted is true only when the answer says true; fields a map.
  RecordVersions: (p) => ({
    items: (p.items || []).map((v) => ({
      systemModstamp: v.systemModstamp ?? null,
      deleted: v.deleted === true,
      fields: v.fields || {},
      // Only file records' versions have a file; Apex leaves the null property out.
      ...(v.file ? { file: pick(v.file, ['sha256', 'size', 'state', 'error']) } : {}),
    })),
    next: p.next ?? null,
  }),
};

/** AutoBackupClient.putSettings: the change, based on the version it was read at. */
async function putSettings(settings) {
  const response = await send('PUT', '/settings', {
    body: settings,
    headers: {
      'If-Match': `"${settings.version}"`,
      'X-AutoBackup-User-Name': encodeURIComponent(PREVIEW_USER_NAME),
    },
  });
  return response.json();
}

async function changeSettings(change, version) {
  const settings = models.Settings(await getJson('/settings'));
  return putSettings({ ...settings, ...change, version });
}

/** AutoBackupInput.exclusions: the comma-separated names, trimmed, blanks and repeats left out. */
function exclusionNames(text) {
  const seen = new Set();
  return String(text || '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '' && !seen.has(name.toLowerCase()) && seen.add(name.toLowerCase()));
}

const methods = {
  'AutoBackupDashboardController.getDashboard': async () => models.Dashboard(await getJson('/dashboard')),
  'AutoBackupDashboardController.updateMode': async ({ mode, version }) => {
    await changeSettings({ mode }, version);
    return models.Dashboard(await getJson('/dashboard'));
  },
  'AutoBackupDashboardController.enableAutoBackup': async () => {
    await send('POST', '/enable', { body: {} });
    return models.Dashboard(await getJson('/dashboard'));
  },
  'AutoBackupDashboardController.canManageSettings': async () => true,
  'AutoBackupSettingsController.getSettings': async () => models.Settings(await getJson('/settings')),
  // AutoBackupInput.apiBudgetShare: percent to the service's fraction; null leaves it unchanged, and so does
  // a blank schedule.
  'AutoBackupSettingsController.saveSettings': async ({ exclusions, apiBudgetPercent, version, schedule }) =>
    models.Settings(
      await changeSettings(
        {
          ...(schedule === null || schedule === undefined || String(schedule).trim() === ''
            ? {}
            : { schedule: String(schedule).trim() }),
          exclusions: exclusionNames(exclusions),
          apiBudgetShare:
            apiBudgetPercent === null || apiBudgetPercent === undefined ? undefined : apiBudgetPercent / 100,
        },
        version,
      ),
    ),
  // AutoBackupObjectsController: blank sort and order are left to the service (API name, ascending).
  'AutoBackupObjectsController.getObjects': async ({
    status,
    query,
    filesOnly,
    sortBy,
    sortOrder,
    cursor,
    pageSize,
  } = {}) =>
    models.ObjectPage(
      await getJson('/objects', {
        status,
        q: query && query.trim(),
        files: filesOnly === true ? 'true' : undefined,
        sort: sortBy,
        order: sortOrder,
        cursor,
        limit: pageSize ?? 50,
      }),
    ),
  'AutoBackupObjectsController.getExcludedObjects': async ({ sortBy, sortOrder, cursor, pageSize } = {}) =>
    models.ExcludedObjects(
      await getJson('/excluded', { sort: sortBy, order: sortOrder, cursor, limit: pageSize ?? 50 }),
    ),
  'AutoBackupErrorsController.getErrors': async ({ objectName, cursor, pageSize } = {}) =>
    models.ErrorPage(await getJson('/errors', { object: objectName, cursor, limit: pageSize ?? 50 })),
  'AutoBackupErrorsController.dismissError': async ({ errorId }) => {
    await send('POST', `/errors/${encodeURIComponent(String(errorId).trim())}/dismiss`, { body: {} });
    return undefined;
  },
  'AutoBackupErrorsController.getErrorsCsv': async () => {
    const link = await (await send('POST', '/errors.csv/link', { body: {} })).json();
    const fileName = `auto-backup-errors-${new Date().toISOString().slice(0, 10)}.csv`;
    if (link.bytes !== null && link.bytes !== undefined && link.bytes <= CSV_PASS_THROUGH_MAX_BYTES)
      return { csv: await (await send('GET', '/errors.csv')).text(), fileName };
    return { url: link.url, fileName };
  },
  // AutoBackupClient.createFileLink: the signed link the browser downloads the file version from.
  'AutoBackupHistoryController.getFileDownloadLink': async ({ objectApiName, recordId, systemModstamp }) =>
    pick(
      await (
        await send(
          'POST',
          `/files/${encodeURIComponent(String(objectApiName).trim())}/${encodeURIComponent(recordId)}/link`,
          { query: { systemModstamp: systemModstamp && systemModstamp.trim() }, body: {} },
        )
      ).json(),
      ['url', 'expiresAt', 'bytes', 'fileName', 'contentType'],
    ),
  'AutoBackupErrorsController.getMissingFieldPermissions': async () =>
    models.MissingFieldPermissions(await getJson('/fields/missing')),
  // Apex builds this from its Schema describe in the user's language (readable fields only); the preview
  // reads the same shape from the describe the service's last schema scan stored.
  'AutoBackupHistoryController.getFieldDescriptions': async ({ objectApiName }) =>
    models.ObjectFields(await getJson(`/objects/${encodeURIComponent(String(objectApiName).trim())}/fields`)),
  'AutoBackupHistoryController.getRecordVersions': async ({ objectApiName, recordId, before, pageSize }) =>
    models.RecordVersions(
      await getJson(
        `/records/${encodeURIComponent(String(objectApiName).trim())}/${encodeURIComponent(recordId)}/versions`,
        { before: before && before.trim(), limit: pageSize ?? 20 },
      ),
    ),
};

/** Calls the controller method `Class.method` with the parameters a component passes to it. */
export function callApex(method, params) {
  const implementation = methods[method];
  if (!implementation)
    return Promise.reject({ status: 0, body: { message: `The preview has no bridge for Apex ${method}.` } });
  return implementation(params || {});
}

/** The controller methods the bridge answers, `Class.method`. */
export const BRIDGED_METHODS = Object.keys(methods);
