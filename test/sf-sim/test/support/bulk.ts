import type { Simulator } from '../../src/index.js';
import { rawRequest, type RawResponse } from './raw-request.js';

/** Drives a Bulk API 2.0 query job by hand (jsforce 3's bulk2.query fails with ERR_STREAM_WRITE_AFTER_END on many pages). */
export interface JobInfo {
  id: string;
  state: string;
  numberRecordsProcessed?: number;
  errorMessage?: string;
  [key: string]: unknown;
}

export function bulkClient(sim: Simulator, token: string, version = sim.apiVersion) {
  const base = `${sim.url}/services/data/v${version}/jobs/query`;
  const auth = { Authorization: `Bearer ${token}` };
  return {
    async create(body: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
      const res = await fetch(base, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async info(id: string): Promise<JobInfo> {
      const res = await fetch(`${base}/${id}`, { headers: auth });
      return (await res.json()) as JobInfo;
    },
    /** Polls until the job leaves UploadComplete/InProgress; returns every state seen. */
    async waitDone(id: string): Promise<{ info: JobInfo; states: string[] }> {
      const states: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const info = await this.info(id);
        states.push(info.state);
        if (info.state !== 'UploadComplete' && info.state !== 'InProgress') return { info, states };
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`job ${id} did not finish`);
    },
    async results(id: string, params: Record<string, string> = {}): Promise<Response> {
      const qs = new URLSearchParams(params).toString();
      return fetch(`${base}/${id}/results${qs ? `?${qs}` : ''}`, {
        headers: { ...auth, Accept: 'text/csv' },
      });
    },
    /** Every page, following Sforce-Locator until it is the literal "null". */
    async allPages(
      id: string,
      maxRecords?: number,
    ): Promise<Array<{ text: string; rows: number; locator: string }>> {
      const pages = [];
      let locator: string | null = null;
      do {
        const params: Record<string, string> = {};
        if (locator) params.locator = locator;
        if (maxRecords) params.maxRecords = String(maxRecords);
        const res = await this.results(id, params);
        if (res.status !== 200) throw new Error(`results: ${res.status} ${await res.text()}`);
        locator = res.headers.get('sforce-locator');
        if (locator === null) throw new Error('Sforce-Locator header missing');
        pages.push({
          text: await res.text(),
          rows: Number(res.headers.get('sforce-numberofrecords')),
          locator,
        });
      } while (locator !== 'null');
      return pages;
    },
    async patch(id: string, body: unknown): Promise<Response> {
      return fetch(`${base}/${id}`, {
        method: 'PATCH',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    },
    async remove(id: string): Promise<Response> {
      return fetch(`${base}/${id}`, { method: 'DELETE', headers: auth });
    },
    async list(): Promise<{ done: boolean; records: JobInfo[] }> {
      const res = await fetch(base, { headers: auth });
      return (await res.json()) as { done: boolean; records: JobInfo[] };
    },
  };
}

/** A raw GET (no automatic decompression, unlike fetch). */
export function rawGet(url: string, headers: Record<string, string>): Promise<RawResponse> {
  return rawRequest(url, { headers });
}
