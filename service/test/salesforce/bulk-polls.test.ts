import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BulkPace } from '../../src/salesforce/bulk-pace.js';
import { firstPollWait, nextPollWait, withTail } from '../../src/salesforce/bulk-query.js';

const POLL = 1000;
const MAX = 30_000;

describe('when a Bulk query job is polled (each poll is an API call)', () => {
  test('a job that reports progress is next polled when its pace says it will be done, not every 30 s', () => {
    // 100,000 of 1,000,000 rows in 10 s: 90 s to go, so one wait of a little more than that.
    const wait = nextPollWait(
      { processed: 100_000, expectedRows: 1_000_000, elapsedMs: 10_000 },
      MAX,
      POLL,
      MAX,
    );
    assert.ok(wait >= 90_000 && wait <= 110_000, `waits ${wait} ms`);
    // A job nearly done is polled again soon, never sooner than the shortest wait.
    assert.equal(
      nextPollWait({ processed: 999_999, expectedRows: 1_000_000, elapsedMs: 60_000 }, MAX, POLL, MAX),
      POLL,
    );
    // An estimate never waits longer than 5 minutes (a wrong one costs at most that much lateness).
    assert.equal(
      nextPollWait({ processed: 1_000, expectedRows: 10_000_000, elapsedMs: 60_000 }, MAX, POLL, MAX),
      300_000,
    );
  });

  test('a job that has read every row expected is looked at again soon, not after the doubled wait', () => {
    assert.equal(
      nextPollWait({ processed: 1_000_000, expectedRows: 1_000_000, elapsedMs: 30_000 }, MAX, POLL, MAX),
      7_500,
    );
    // More rows than the estimate said: the waits grow with the job's time so far.
    assert.equal(
      nextPollWait({ processed: 60_000, expectedRows: 50_000, elapsedMs: 8_000 }, 8_000, POLL, MAX),
      2_000,
    );
  });

  test('without progress, or without an expected size, the waits double up to the longest interval', () => {
    assert.equal(
      nextPollWait({ processed: 0, expectedRows: 50_000, elapsedMs: 2_000 }, 2_000, POLL, MAX),
      4_000,
    );
    assert.equal(nextPollWait({ processed: 5_000, elapsedMs: 20_000 }, 20_000, POLL, MAX), MAX);
  });

  test("a job's first poll waits as long as the org's earlier jobs say it takes", () => {
    const pace = new BulkPace();
    assert.equal(pace.expectedMs(200_000), undefined, 'nothing learned yet');
    assert.equal(firstPollWait(POLL, 200_000, pace.expectedMs(200_000)), 12_000, '60 ms per 1,000 rows');
    assert.equal(firstPollWait(POLL, 20_000_000), 300_000, 'at most 5 minutes');
    assert.equal(firstPollWait(POLL, 10_000), POLL, 'a small job keeps its short first wait');
    pace.observe(500, 2_000); // too small a job to tell the org's pace
    assert.equal(pace.expectedMs(200_000), undefined);
    pace.observe(100_000, 20_000); // 5 rows a millisecond
    assert.equal(pace.expectedMs(200_000), 40_000);
    const wait = firstPollWait(POLL, 200_000, pace.expectedMs(200_000));
    assert.ok(wait >= 40_000 && wait <= 50_000, `first wait ${wait} ms`);
    pace.observe(100_000, 10_000); // the org got faster: the latest pace counts
    assert.equal(pace.expectedMs(200_000), 20_000);
  });

  test('a last page of a quarter or less of a page is read with the one before (a call saved)', () => {
    assert.equal(
      withTail(1_000_000, 1_000_050),
      1_100_055,
      'all of them, even past the most rows a page asks',
    );
    assert.equal(withTail(100_000, 120_000), 132_000, 'every row left, a tenth to spare');
    assert.equal(withTail(100_000, 130_000), 100_000, 'more than a quarter over: pages of the usual size');
    assert.equal(withTail(100_000, 0), 100_000);
  });
});
