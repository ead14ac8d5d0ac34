/** describeGlobal and sObject describe bodies, honouring the integration user's access. */
import type { ObjectDef } from './schema/model.js';

export function objectUrls(name: string, v: string): Record<string, string> {
  const base = `/services/data/v${v}/sobjects/${name}`;
  return {
    compactLayouts: `${base}/describe/compactLayouts`,
    rowTemplate: `${base}/{ID}`,
    approvalLayouts: `${base}/describe/approvalLayouts`,
    defaultValues: `${base}/defaultValues?recordTypeId&fields`,
    listviews: `${base}/listviews`,
    describe: `${base}/describe`,
    quickActions: `${base}/quickActions`,
    layouts: `${base}/describe/layouts`,
    sobject: base,
  };
}

export function globalEntry(obj: ObjectDef, v: string): Record<string, unknown> {
  const keys = Object.keys(obj.global).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = obj.global[k];
  out.urls = objectUrls(obj.name, v);
  return out;
}

const TOP_DEFAULTS: Record<string, unknown> = {
  actionOverrides: [],
  compactLayoutable: true,
  defaultImplementation: null,
  extendedBy: null,
  extendsInterfaces: null,
  implementedBy: null,
  implementsInterfaces: null,
  listviewable: null,
  lookupLayoutable: null,
  namedLayoutInfos: [],
  networkScopeFieldName: null,
  searchLayoutable: true,
  sobjectDescribeOption: 'FULL',
  supportedScopes: [{ label: 'All records', name: 'everything' }],
};

export function describeBody(obj: ObjectDef, v: string, instanceUrl: string | null): Record<string, unknown> {
  const body: Record<string, unknown> = { ...TOP_DEFAULTS };
  for (const [k, val] of Object.entries(obj.global)) body[k] = val;
  for (const [k, val] of Object.entries(obj.top)) body[k] = val;
  body.name = obj.name;
  body.keyPrefix = obj.keyPrefix;
  body.custom = obj.custom;
  body.fields = obj.fields.filter((f) => !obj.hiddenFields.has(f.lower)).map((f) => f.describe);
  body.childRelationships = obj.childRelationships;
  const rts = (obj.top.recordTypeInfos as Record<string, unknown>[] | undefined) ?? [];
  body.recordTypeInfos = (
    rts.length > 0
      ? rts
      : [
          {
            active: true,
            available: true,
            defaultRecordTypeMapping: true,
            developerName: 'Master',
            master: true,
            name: 'Master',
            recordTypeId: '012000000000000AAA',
          },
        ]
  ).map((rt) => ({
    ...rt,
    urls: { layout: `/services/data/v${v}/sobjects/${obj.name}/describe/layouts/${String(rt.recordTypeId)}` },
  }));
  const urls: Record<string, string> = { ...objectUrls(obj.name, v) };
  if (instanceUrl) {
    urls.uiEditTemplate = `${instanceUrl}/{ID}/e`;
    urls.uiDetailTemplate = `${instanceUrl}/{ID}`;
    if (obj.keyPrefix) urls.uiNewRecord = `${instanceUrl}/${obj.keyPrefix}/e`;
  }
  body.urls = urls;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(body).sort()) sorted[k] = body[k];
  return sorted;
}
