/**
 * Settings: GET answers them with their version (also the ETag); PUT replaces mode, schedule and exclusions if
 * the version it names (If-Match or the body's `version`) is still current, and records who changed them: the
 * package sends the acting Salesforce user in `X-AutoBackup-User-Id` and `X-AutoBackup-User-Name`.
 */
import type { Request } from 'express';
import { AppError } from '../../app/app-error.js';
import { getSettings, replaceSettings, settingsHistory } from '../../app/settings.js';
import type { SettingsActor } from '../../store/orgs/settings-history.js';
import { pageLimit } from '../../app/paging.js';
import * as s from '../api-schemas.js';
import { route, type RouteSpec } from '../route-spec.js';

const etag = (version: number) => `"${version}"`;

/** The version an If-Match header names (`"3"`, `W/"3"` or `3`), undefined when absent. */
function ifMatchVersion(req: Request): number | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match)
    throw new AppError(
      'INVALID_REQUEST',
      `If-Match: expected the settings ETag such as "3", got ${JSON.stringify(header)}`,
    );
  return Number(match[1]);
}

function actorOf(req: Request): SettingsActor {
  const id = req.get('x-autobackup-user-id');
  const name = req.get('x-autobackup-user-name');
  if (id !== undefined && !/^005[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/.test(id))
    throw new AppError('INVALID_REQUEST', 'X-AutoBackup-User-Id: expected a Salesforce user Id (005…)');
  let decodedName: string | null = null;
  if (name !== undefined) {
    try {
      // Form encoding (Apex's EncodingUtil.urlEncode) writes a space as '+'.
      decodedName = decodeURIComponent(name.replaceAll('+', ' '));
    } catch {
      decodedName = null;
    }
    if (
      decodedName === null ||
      decodedName.length > 200 ||
      [...decodedName].some((c) => c.charCodeAt(0) < 0x20)
    )
      throw new AppError(
        'INVALID_REQUEST',
        'X-AutoBackup-User-Name: expected a URL-encoded name of up to 200 characters',
      );
  }
  return { source: 'api', id: id ?? null, name: decodedName };
}

export const settingsRoutes: RouteSpec[] = [
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/settings',
    summary: 'Mode, schedule and exclusions, with their version (also the ETag)',
    auth: 'key',
    params: s.orgParams,
    answer: s.settings,
    errors: [],
    handle: async ({ params }, deps) => {
      const body = await getSettings(deps.app, params.orgId);
      return { headers: { ETag: etag(body.version) }, body };
    },
  }),
  route({
    method: 'put',
    path: '/api/v1/orgs/{orgId}/settings',
    summary:
      'Replaces mode, schedule and exclusions (any GET answer is a valid body); refused with 412 when the version is stale',
    auth: 'key',
    params: s.orgParams,
    body: s.settingsBody,
    headers: [
      {
        name: 'If-Match',
        description: 'the ETag of the settings the change is based on (or `version` in the body)',
      },
      {
        name: 'X-AutoBackup-User-Id',
        description: 'the Salesforce user making the change (recorded in the history)',
      },
      { name: 'X-AutoBackup-User-Name', description: "that user's name, URL-encoded" },
    ],
    answer: s.settings,
    errors: [
      'INVALID_SETTINGS',
      'UNKNOWN_OBJECT',
      'SETTINGS_CHANGED',
      'PRECONDITION_REQUIRED',
      'MALFORMED_JSON',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    handle: async ({ params, body, req }, deps) => {
      const stored = await replaceSettings(deps.app, params.orgId, body, {
        ifMatch: ifMatchVersion(req),
        actor: actorOf(req),
      });
      return { headers: { ETag: etag(stored.version) }, body: stored };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/orgs/{orgId}/settings/history',
    summary: 'Who changed the settings, when, from what to what; newest first',
    auth: 'key',
    params: s.orgParams,
    query: s.settingsHistoryQuery,
    answer: s.settingsHistory,
    errors: [],
    handle: async ({ params, query }, deps) => {
      const history = await settingsHistory(deps.app, params.orgId, pageLimit(query.limit));
      return {
        body: {
          items: history.items.map((c) => ({ ...c, at: c.at.toISOString() })),
        },
      };
    },
  }),
];
