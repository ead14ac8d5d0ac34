/**
 * API versions the simulator serves (`GET /services/data/`, facts §2.1) and the resource list of
 * one version (§2.2). Salesforce has three releases a year; v62.0 is Winter '25.
 */
export const OLDEST_VERSION = 31;

export function versionLabel(major: number): string {
  const offset = major - 62;
  const season = ((offset % 3) + 3) % 3;
  const year = 25 + Math.floor(offset / 3);
  return `${['Winter', 'Spring', 'Summer'][season]} '${String(year).padStart(2, '0')}`;
}

export function versionList(newest: string): Array<{ label: string; url: string; version: string }> {
  const max = Math.floor(Number(newest));
  const out = [];
  for (let v = OLDEST_VERSION; v <= max; v++) {
    out.push({ label: versionLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

/** True when `version` ("59.0") is one this simulator serves. */
export function isServedVersion(version: string, newest: string): boolean {
  if (!/^\d+\.0$/.test(version)) return false;
  const v = Number(version);
  return v >= OLDEST_VERSION && v <= Number(newest);
}

const RESOURCES = [
  'tooling',
  'metadata',
  'eclair',
  'folders',
  'prechatForms',
  'contact-tracing',
  'jsonxform',
  'chatter',
  'tabs',
  'appMenu',
  'quickActions',
  'queryAll',
  'commerce',
  'wave',
  'iot',
  'analytics',
  'search',
  'smartdatadiscovery',
  'identity',
  'composite',
  'parameterizedSearch',
  'fingerprint',
  'theme',
  'nouns',
  'domino',
  'event',
  'serviceTemplates',
  'recent',
  'connect',
  'licensing',
  'limits',
  'process',
  'dedupe',
  'async-queries',
  'query',
  'jobs',
  'match',
  'emailConnect',
  'compactLayouts',
  'knowledgeManagement',
  'sobjects',
  'actions',
  'support',
] as const;

export function resourceList(version: string, identityUrl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of RESOURCES)
    out[name] = name === 'identity' ? identityUrl : `/services/data/v${version}/${name}`;
  return out;
}
