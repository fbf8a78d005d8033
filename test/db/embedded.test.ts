import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listeningUrl, runDeskgate, spawnDeskgate, type DeskgateProcess } from '../support/process.js';

// deskgate with no DATABASE_URL: its own PostgreSQL under the data directory.
let dataDir: string;
let env: Record<string, string>;

before(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-embedded-'));
  env = { DESKGATE_DATA_DIR: dataDir, DESKGATE_PORT: '0', DATABASE_URL: '' };
});
after(() => fs.rm(dataDir, { recursive: true, force: true }));

const postmasterAlive = async () => {
  try {
    const pid = Number((await fs.readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function startServe(): Promise<{ proc: DeskgateProcess; url: string }> {
  const proc = spawnDeskgate(['serve'], env);
  return { proc, url: await listeningUrl(proc) };
}

test('zero-config serve runs on an embedded PostgreSQL; operator commands attach to it; a second serve is refused; SIGTERM stops everything', async () => {
  const { proc, url } = await startServe();
  assert.match(proc.output(), /"database":"embedded"/);
  const ready = (await (await fetch(`${url}/readyz`)).json()) as any;
  assert.equal(ready.status, 'ready');

  const created = await runDeskgate(['accounts', 'create', '--name', 'Embedded Co', '--shell'], env);
  assert.equal(created.code, 0, created.output);
  assert.match(created.output, /^ACCOUNT_ID='[0-9a-f-]{36}'$/m);

  const second = await runDeskgate(['serve'], env);
  assert.equal(second.code, 2);
  assert.match(second.output, /The data directory .* is in use by another deskgate \(serve, pid \d+/);

  proc.child.kill('SIGTERM');
  assert.deepEqual(await proc.exited, { code: 0, signal: null });
  assert.equal(await postmasterAlive(), false, 'the embedded PostgreSQL stopped with deskgate');
  await assert.rejects(fs.access(path.join(dataDir, 'deskgate.lock')));

  const listed = await runDeskgate(['accounts', 'list'], env);
  assert.equal(listed.code, 0, listed.output);
  assert.match(listed.output, /Embedded Co/);
});

test('after kill -9 the leftover PostgreSQL is shut down and a new serve starts on the same data', async () => {
  const first = await startServe();
  first.proc.child.kill('SIGKILL');
  await first.proc.exited;
  assert.equal(await postmasterAlive(), true, 'kill -9 does not reach the embedded PostgreSQL');

  const second = await startServe();
  const ready = (await (await fetch(`${second.url}/readyz`)).json()) as any;
  assert.equal(ready.status, 'ready');
  second.proc.child.kill('SIGTERM');
  assert.equal((await second.proc.exited).code, 0);
  const listed = await runDeskgate(['accounts', 'list'], env);
  assert.match(listed.output, /Embedded Co/);
});
