/**
 * `createOrg`: builds a simulated org from options, or reopens the one persisted in `stateDir`
 * (org.json = identity and seed settings, clock.json = clock offset, journal.ndjson = every state
 * change in order, files/ = the HTTP side's state files). Seeds are regenerated deterministically
 * and the journal replayed, so a restarted simulator is the same org.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimError, type CreateOrgOptions, type SimOrg } from './api.js';
import { OffsetClock } from './clock.js';
import { standardObjects } from './schema/catalog.js';
import { RecordBook } from './records.js';
import { OrgImpl, type Op } from './sim-org.js';
import { makeId, normaliseId, customKeyPrefix } from './ids.js';
import { hash32 } from '../seed/random.js';
import { BenchSource, benchObjectDef } from './bench.js';
import { seedOrg } from '../seed/seed-org.js';
import { applyChurn } from './churn.js';
import { DAY_MS } from './datetime.js';

interface PersistedOrg {
  orgId: string;
  seed: CreateOrgOptions['seed'];
  seedValue: string;
  records: number;
  username: string;
  /** Day (UTC midnight, ms) the org was created: seed data is laid out relative to it. */
  epochMs: number;
}

function atomicWrite(file: string, contents: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function defaultOrgId(seedValue: string): string {
  return makeId('00D', '5g', hash32(`org:${seedValue}`) % 2_000_000_000);
}

function podOf(orgId: string): string {
  const h = hash32(`pod:${orgId.slice(0, 15)}`);
  return BASE36[h % 36]! + BASE36[Math.floor(h / 36) % 36]!;
}

export async function createOrg(opts: CreateOrgOptions): Promise<SimOrg> {
  if (!['none', 'small', 'demo'].includes(opts.seed))
    throw new SimError(400, 'INVALID_INPUT', `seed must be none, small or demo, got '${String(opts.seed)}'`);
  if (opts.records !== undefined && (!Number.isInteger(opts.records) || opts.records < 0))
    throw new SimError(
      400,
      'INVALID_INPUT',
      `records must be a non-negative integer, got ${String(opts.records)}`,
    );
  const stateDir: string | null = opts.stateDir ?? null;
  let persisted: PersistedOrg | null = null;
  if (stateDir) {
    mkdirSync(path.join(stateDir, 'files'), { recursive: true });
    const orgFile = path.join(stateDir, 'org.json');
    if (existsSync(orgFile)) persisted = JSON.parse(readFileSync(orgFile, 'utf8')) as PersistedOrg;
  }
  const seedValue = persisted?.seedValue ?? String(opts.seedValue ?? 1);
  let orgId: string;
  if (persisted) orgId = persisted.orgId;
  else if (opts.orgId) {
    const norm = normaliseId(opts.orgId);
    if (!norm || !norm.startsWith('00D'))
      throw new SimError(
        400,
        'INVALID_INPUT',
        `orgId must be a 15- or 18-character Id starting with 00D, got '${opts.orgId}'`,
      );
    orgId = norm;
  } else orgId = defaultOrgId(seedValue);
  const org15 = orgId.slice(0, 15);
  const settings: PersistedOrg = persisted ?? {
    orgId,
    seed: opts.seed,
    seedValue,
    records: opts.records ?? 0,
    username: opts.username ?? `integration@${org15.toLowerCase()}.sim`,
    epochMs: Math.floor(Date.now() / DAY_MS) * DAY_MS,
  };
  if (stateDir && !persisted) atomicWrite(path.join(stateDir, 'org.json'), JSON.stringify(settings, null, 2));

  // Clock: offset persisted on every change.
  const clockFile = stateDir ? path.join(stateDir, 'clock.json') : null;
  const savedOffset =
    clockFile && existsSync(clockFile)
      ? (JSON.parse(readFileSync(clockFile, 'utf8')) as { offsetMs: number }).offsetMs
      : 0;
  const clock = new OffsetClock(savedOffset, (offsetMs) => {
    if (clockFile) atomicWrite(clockFile, JSON.stringify({ offsetMs }));
  });

  const pod = podOf(orgId);
  const objects = standardObjects(settings.epochMs);
  const book = new RecordBook(objects, pod, () => clock.nowMs());
  const userId = makeId('005', pod, 1);

  let ownedTmp: string | null = null;
  const dataDir = (): string => stateDir ?? (ownedTmp ??= mkdtempSync(path.join(tmpdir(), 'sf-sim-')));
  const memFiles = new Map<string, string>();
  const journalFile = stateDir ? path.join(stateDir, 'journal.ndjson') : null;
  const safeName = (name: string): string => {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
      throw new SimError(400, 'INVALID_INPUT', `state file names are plain file names, got '${name}'`);
    return name;
  };

  const org = new OrgImpl({
    orgId,
    org15,
    seedValue,
    integrationUser: {
      id: userId,
      username: settings.username,
      firstName: 'Integration',
      lastName: 'User',
      email: settings.username,
    },
    clock,
    book,
    pod,
    dataDir,
    journal: (op: Op) => {
      if (journalFile) appendFileSync(journalFile, JSON.stringify(op) + '\n');
    },
    readStateFile: (name) => {
      safeName(name);
      if (!stateDir) return memFiles.get(name) ?? null;
      const file = path.join(stateDir, 'files', name);
      return existsSync(file) ? readFileSync(file, 'utf8') : null;
    },
    writeStateFile: (name, contents) => {
      safeName(name);
      if (!stateDir) memFiles.set(name, contents);
      else atomicWrite(path.join(stateDir, 'files', name), contents);
    },
    onClose: async () => {
      if (ownedTmp) rmSync(ownedTmp, { recursive: true, force: true });
    },
  });
  org.churnApply = applyChurn;

  seedOrg(org, settings.seed, seedValue, settings.epochMs);

  if (settings.records > 0) {
    const customCount = [...objects.values()].filter((o) => o.custom).length;
    const benchDef = benchObjectDef(customKeyPrefix(customCount + 40), settings.epochMs);
    objects.set(benchDef.lower, benchDef);
    book.bench = new BenchSource(
      benchDef,
      settings.records,
      hash32(`bench:${seedValue}`),
      settings.epochMs - 3 * 365 * DAY_MS,
      settings.epochMs - DAY_MS,
      userId,
      pod,
    );
  }

  if (journalFile && existsSync(journalFile)) {
    const lines = readFileSync(journalFile, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const ops: Op[] = [];
    for (const line of lines) {
      try {
        ops.push(JSON.parse(line) as Op);
      } catch {
        // A torn last line (crash mid-append) is dropped.
      }
    }
    org.replay(ops);
  }
  org.churnLastMs = clock.nowMs();
  if (!persisted && opts.churnPerMinute && opts.churnPerMinute > 0) org.setChurn(opts.churnPerMinute);
  else if (persisted && opts.churnPerMinute !== undefined && opts.churnPerMinute !== org.churnPerMinute)
    org.setChurn(opts.churnPerMinute);
  org.armChurnTimer();
  return org;
}
