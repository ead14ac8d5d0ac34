/**
 * `autobackup files` as an admin runs it: after `backup` in Objects and Files mode, `files list` shows every
 * backed-up body with its state, `files get` writes a file's bytes (to a path, or stdout with `-`) exactly as the
 * org holds them, and bad calls or an unknown file exit 2 naming the problem.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { AUTOBACKUP_BIN, simOrgFlags, useCliEnvironment } from './support/cli-e2e.js';

const e = useCliEnvironment('ab-files-');

interface Listed {
  items: Array<{
    object: string;
    recordId: string;
    state: string;
    sha256: string | null;
    size: number | null;
  }>;
}

async function orgBody(object: string, id: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const field = object === 'ContentVersion' ? 'VersionData' : 'Body';
  for await (const chunk of e.sim.org.blob(object, id, field).stream()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** `autobackup args…` with its stdout as bytes (a body written to stdout is binary). */
function runBinary(args: string[]): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(AUTOBACKUP_BIN, args, { env: e.env() });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ status: code ?? 1, stdout: Buffer.concat(out), stderr }));
  });
}

describe('autobackup files end to end', () => {
  let orgId = '';

  test('files list shows the bodies backed up with their state', async () => {
    const added = await e.run(['orgs', 'add', ...simOrgFlags(e.sim)]);
    assert.equal(added.status, 0, added.stderr);
    orgId = (JSON.parse(added.stdout) as { orgId: string }).orgId;
    const run = await e.run([
      'backup',
      '--org',
      orgId,
      '--until-caught-up',
      '--objects',
      'ContentVersion,Attachment,Document',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const listed = await e.run(['files', 'list', '--org', orgId, '--json']);
    assert.equal(listed.status, 0, listed.stderr);
    const { items } = JSON.parse(listed.stdout) as Listed;
    const live = new Set(
      [...e.sim.org.truth('Attachment')].filter((v) => !v.IsDeleted && !v.purged).map((v) => v.Id),
    );
    assert.deepEqual(
      new Set(items.filter((i) => i.object === 'Attachment').map((i) => i.recordId)),
      live,
      'every Attachment listed',
    );
    assert.ok(items.every((i) => i.state === 'stored'));
    const onlyDocs = JSON.parse(
      (await e.run(['files', 'list', '--org', orgId, '--object', 'Document', '--json'])).stdout,
    ) as Listed;
    assert.ok(onlyDocs.items.length > 0 && onlyDocs.items.every((i) => i.object === 'Document'));
    const failed = JSON.parse(
      (await e.run(['files', 'list', '--org', orgId, '--failed', '--json'])).stdout,
    ) as Listed;
    assert.deepEqual(failed.items, []);
  });

  test('files get writes the org’s bytes to a path and to stdout', async () => {
    const { items } = JSON.parse((await e.run(['files', 'list', '--org', orgId, '--json'])).stdout) as Listed;
    const cv = items.find((i) => i.object === 'ContentVersion')!;
    const expected = await orgBody('ContentVersion', cv.recordId);
    const out = path.join(e.home, 'out.bin');
    const got = await e.run([
      'files',
      'get',
      '--org',
      orgId,
      '--object',
      'ContentVersion',
      '--id',
      cv.recordId,
      '--out',
      out,
    ]);
    assert.equal(got.status, 0, got.stderr);
    assert.deepEqual(readFileSync(out), expected);
    assert.ok(!existsSync(`${out}.partial`));

    const att = items.find((i) => i.object === 'Attachment')!;
    const piped = await runBinary([
      'files',
      'get',
      '--org',
      orgId,
      '--object',
      'Attachment',
      '--id',
      att.recordId,
      '--out',
      '-',
    ]);
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(createHash('sha256').update(piped.stdout).digest('hex'), att.sha256);
    assert.deepEqual(piped.stdout, await orgBody('Attachment', att.recordId));
  });

  test('bad flags and an unknown file exit 2 naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['files', 'get', '--org', 'nope', '--object', 'Attachment', '--id', '00P000000000001'], /--org/],
      [['files', 'get', '--org', orgId, '--object', 'Attachment', '--id', 'x'], /--id/],
      [
        [
          'files',
          'get',
          '--org',
          orgId,
          '--object',
          'Attachment',
          '--id',
          '00P000000000001',
          '--at',
          'yesterday',
        ],
        /--at/,
      ],
      [
        ['files', 'get', '--org', orgId, '--object', 'Attachment', '--id', '00P000000000zzz', '--out', '-'],
        /no backed-up file body/,
      ],
      [['files', 'get', '--org', orgId, '--object', 'Attachment'], /--id/],
      [['files', 'list', '--org', orgId, '--object', 'Contact'], /ContentVersion, Attachment and Document/],
    ];
    for (const [args, message] of cases) {
      const run = await e.run(args);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
      assert.equal(run.stdout, '', 'nothing written');
    }
  });
});
