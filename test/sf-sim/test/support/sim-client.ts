import type { Simulator } from '../../src/index.js';

/** Small fetch helpers for tests that talk to the simulator over HTTP. */
export async function clientCredentialsToken(sim: Simulator): Promise<string> {
  const res = await fetch(`${sim.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

export async function admin(sim: Simulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}/__sim/${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`admin ${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

export async function truth(sim: Simulator, object: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(`${sim.url}/__sim/truth?object=${encodeURIComponent(object)}`);
  if (res.status !== 200) throw new Error(`truth ${object}: ${res.status} ${await res.text()}`);
  return (await res.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The current state per record from the truth: the newest version of each Id, purged ones left out. */
export function latestVersions(
  versions: Array<Record<string, unknown>>,
): Map<string, Record<string, unknown>> {
  const latest = new Map<string, Record<string, unknown>>();
  for (const v of versions) latest.set(String(v.Id), v);
  for (const [id, v] of latest) if (v.purged) latest.delete(id);
  return latest;
}

export function api(sim: Simulator, token: string) {
  return async (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${sim.url}${path.startsWith('/') ? path : `/services/data/v${sim.apiVersion}/${path}`}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) },
    });
}
