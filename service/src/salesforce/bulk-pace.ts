/**
 * How fast an org's Bulk API 2.0 query jobs read rows, learned from its own jobs (their numberRecordsProcessed
 * over the time since they were created), so that a new job's first poll can wait about as long as the job
 * should take: each poll is an API call, and a poll that finds the job still in progress is one spent for nothing.
 * The latest pace counts (an org's load changes through the day); jobs too small to say much are not counted.
 */
export class BulkPace {
  private rowsPerMs: number | undefined;

  /** A job read `rows` rows in `elapsedMs` since it was created (so far, or in all when it completed). */
  observe(rows: number, elapsedMs: number): void {
    if (rows < MIN_ROWS_TO_LEARN || elapsedMs <= 0) return;
    this.rowsPerMs = rows / elapsedMs;
  }

  /** How long a job of `rows` rows should take at the pace seen last, when one was seen. */
  expectedMs(rows: number): number | undefined {
    if (this.rowsPerMs === undefined || rows < MIN_ROWS_TO_LEARN) return undefined;
    return rows / this.rowsPerMs;
  }
}

/** Below this many rows a job's time is mostly its fixed costs (queueing, the first chunk), not its pace. */
const MIN_ROWS_TO_LEARN = 10_000;
