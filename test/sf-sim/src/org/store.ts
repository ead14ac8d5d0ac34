/**
 * Record storage of ordinary objects: every committed version kept (ground truth), the latest
 * visible one indexed by Id. A version committed with a delay (slow transaction) stays invisible
 * to reads until its `visibleAt`.
 */
import type { ObjectDef, Row } from './schema/model.js';

export interface Version {
  row: Readonly<Row>;
  visibleAt: number;
  purged: boolean;
}

export interface Entry {
  id: string;
  /** Latest version visible to reads; null until the first version becomes visible. */
  visible: Readonly<Row> | null;
  /** Committed versions not yet visible, oldest first. */
  pending: Version[] | null;
  /** Hard-deleted or emptied from the recycle bin: gone from query and queryAll. */
  purged: boolean;
  /** The latest committed row (visible or not): what the next write builds on. */
  latest: Readonly<Row>;
  /** Whether the latest committed version is a hard delete. */
  latestPurged: boolean;
}

export class ObjectStore {
  readonly entries = new Map<string, Entry>();
  /** Creation order. */
  readonly order: Entry[] = [];
  /** Every committed version, commit order (truth). */
  readonly versions: { id: string; version: Version }[] = [];
  /** Delete log for getDeleted: id → deletion time (ms). */
  readonly deleted = new Map<string, number>();
  /** Next record number for Id minting. */
  nextNumber = 1;

  constructor(public obj: ObjectDef) {}

  get(id: string): Entry | undefined {
    return this.entries.get(id);
  }

  /** Commits a new version; returns the entry and whether it is still pending. */
  commit(
    id: string,
    row: Readonly<Row>,
    visibleAt: number,
    nowMs: number,
    purged = false,
  ): { entry: Entry; pending: boolean } {
    const version: Version = { row, visibleAt, purged };
    this.versions.push({ id, version });
    let entry = this.entries.get(id);
    if (!entry) {
      entry = { id, visible: null, pending: null, purged: false, latest: row, latestPurged: purged };
      this.entries.set(id, entry);
      this.order.push(entry);
    }
    entry.latest = row;
    entry.latestPurged = purged;
    if (visibleAt <= nowMs && !entry.pending) {
      entry.visible = row;
      entry.purged = purged;
      return { entry, pending: false };
    }
    (entry.pending ??= []).push(version);
    return { entry, pending: true };
  }

  /** Makes due pending versions visible; returns true when nothing is pending any more. */
  static settle(entry: Entry, nowMs: number): boolean {
    const pending = entry.pending;
    if (!pending) return true;
    while (pending.length > 0 && pending[0]!.visibleAt <= nowMs) {
      const v = pending.shift()!;
      entry.visible = v.row;
      entry.purged = v.purged;
    }
    if (pending.length === 0) entry.pending = null;
    return entry.pending === null;
  }
}
