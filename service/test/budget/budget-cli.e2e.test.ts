/** `autobackup settings --budget-share`: shows and changes the org's API budget share, with the API's validation. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simOrgFlags, useCliEnvironment } from '../support/cli-e2e.js';

const e = useCliEnvironment('ab-budget-cli-');

describe('autobackup settings --budget-share', () => {
  test('changes the share, shows it, and refuses one out of range naming it', async () => {
    const added = await e.run(['orgs', 'add', ...simOrgFlags(e.sim)]);
    assert.equal(added.status, 0, added.stderr);
    const { orgId } = JSON.parse(added.stdout) as { orgId: string };

    const changed = await e.run(['settings', '--org', orgId, '--budget-share', '0.3']);
    assert.equal(changed.status, 0, changed.stderr);
    assert.match(changed.stdout, /budget share: 0\.3/);

    const refused = await e.run(['settings', '--org', orgId, '--budget-share', 'half']);
    assert.notEqual(refused.status, 0);
    assert.match(
      refused.stderr,
      /apiBudgetShare: expected a fraction from 0.05 to 1, such as 0.5, got "half"/,
    );
    const after = await e.run(['settings', '--org', orgId, '--json']);
    assert.equal((JSON.parse(after.stdout) as { apiBudgetShare: number }).apiBudgetShare, 0.3);
  });

  test('a new org takes AUTOBACKUP_API_BUDGET_SHARE as its share', async () => {
    const db = e.db;
    await db.knex('orgs').delete();
    const added = await e.run(['orgs', 'add', ...simOrgFlags(e.sim)], {
      AUTOBACKUP_API_BUDGET_SHARE: '0.25',
    });
    assert.equal(added.status, 0, added.stderr);
    const { orgId } = JSON.parse(added.stdout) as { orgId: string };
    const shown = await e.run(['settings', '--org', orgId, '--json']);
    assert.equal((JSON.parse(shown.stdout) as { apiBudgetShare: number }).apiBudgetShare, 0.25);
  });
});
