/**
 * Runs the whole test suite against real PostgreSQL: the machine's server
 * (TEST_PG_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/test) and an
 * embedded one started here, as DESKGATE_TEST_PG says (external|embedded|both,
 * default both). Extra arguments select test files.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.js';

async function testFiles(selection: string[]): Promise<string[]> {
  if (selection.length > 0) return selection;
  const entries = (await fs.readdir('test', { recursive: true })) as string[];
  return entries.filter((f) => f.endsWith('.test.ts')).map((f) => path.join('test', f)).sort();
}

function runNodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const concurrency = process.env.DESKGATE_TEST_CONCURRENCY ?? String(Math.max(2, os.cpus().length));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit', env });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

const mode = process.env.DESKGATE_TEST_PG ?? 'both';
const files = await testFiles(process.argv.slice(2));
let failed = false;

if (mode === 'external' || mode === 'both') {
  const admin = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  console.log(`\n# deskgate tests against external PostgreSQL (${new URL(admin).host})\n`);
  // Both passes always run: `failed ||= …` would skip the second one after a failure.
  if ((await runNodeTest(files, { ...process.env, TEST_PG_ADMIN_URL: admin, DESKGATE_TEST_PG_KIND: 'external' })) !== 0) failed = true;
}

if (mode === 'embedded' || mode === 'both') {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-test-pg-'));
  const embedded = await startEmbeddedPostgres(dataDir);
  try {
    const admin = embedded.url.replace(/\/deskgate$/, '/postgres');
    console.log(`\n# deskgate tests against embedded PostgreSQL (port ${embedded.port})\n`);
    if ((await runNodeTest(files, { ...process.env, TEST_PG_ADMIN_URL: admin, DESKGATE_TEST_PG_KIND: 'embedded' })) !== 0) failed = true;
  } finally {
    await embedded.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

process.exit(failed ? 1 : 0);
