import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { withConfigFile } from '../src/config-file.js';
import { runDeskgate } from './support/process.js';

let dir: string;
before(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-config-'))));
after(() => fs.rm(dir, { recursive: true, force: true }));

async function configFile(content: unknown): Promise<string> {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await fs.writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

test('the config file supplies settings and the environment overrides it', async () => {
  const file = await configFile({ DESKGATE_PORT: 9090, DESKGATE_HOST: '0.0.0.0', DESKGATE_S3_FORCE_PATH_STYLE: true, DESKGATE_STORAGE: 's3', DESKGATE_S3_BUCKET: 'files' });
  const config = loadConfig(withConfigFile({ DESKGATE_CONFIG_FILE: file, DESKGATE_PORT: '7070', DESKGATE_HOST: '' }));
  assert.equal(config.port, 7070, 'environment wins');
  assert.equal(config.host, '0.0.0.0', 'an empty variable does not hide the file');
  assert.deepEqual(config.storage, { kind: 's3', endpoint: null, region: 'us-east-1', bucket: 'files', credentials: null, forcePathStyle: true, prefix: '' });
  assert.equal(config.attachmentRetentionMs, 30 * 86_400_000);
  assert.equal(config.shutdownTimeoutMs, 30_000);
});

test('bad settings are refused with a message naming them', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ DESKGATE_PORT: 'eighty' }, /^DESKGATE_PORT must be a whole number/],
    [{ DESKGATE_STORAGE: 'ftp' }, /^DESKGATE_STORAGE must be local or s3/],
    [{ DESKGATE_STORAGE: 's3' }, /^DESKGATE_S3_BUCKET is required when DESKGATE_STORAGE is s3/],
    [{ DESKGATE_STORAGE: 's3', DESKGATE_S3_BUCKET: 'b', DESKGATE_S3_ACCESS_KEY_ID: 'AKIA' }, /DESKGATE_S3_SECRET_ACCESS_KEY must be set together/],
    [{ DESKGATE_STORAGE: 's3', DESKGATE_S3_BUCKET: 'b', DESKGATE_S3_FORCE_PATH_STYLE: 'maybe' }, /^DESKGATE_S3_FORCE_PATH_STYLE must be true or false/],
    [{ DESKGATE_STORAGE: 's3', DESKGATE_S3_BUCKET: 'b', DESKGATE_S3_ENDPOINT: 'not a url' }, /^DESKGATE_S3_ENDPOINT must be a URL/],
    [{ DESKGATE_STORAGE: 's3', DESKGATE_S3_BUCKET: 'b', DESKGATE_S3_PREFIX: 'no-slash' }, /^DESKGATE_S3_PREFIX must be empty or path segments/],
    [{ DESKGATE_ATTACHMENT_RETENTION_MS: '-1' }, /^DESKGATE_ATTACHMENT_RETENTION_MS must be between 0/],
    [{ DESKGATE_SHUTDOWN_TIMEOUT_MS: '1.5' }, /^DESKGATE_SHUTDOWN_TIMEOUT_MS must be a whole number/],
  ];
  for (const [env, message] of cases) assert.throws(() => loadConfig(env), (e: Error) => e instanceof ConfigError && message.test(e.message), JSON.stringify(env));

  const notJson = await configFile('{ port: 1 ');
  assert.throws(() => withConfigFile({ DESKGATE_CONFIG_FILE: notJson }), /^ConfigError: DESKGATE_CONFIG_FILE .* cannot be read as JSON/);
  const unknown = await configFile({ port: 8080 });
  assert.throws(() => withConfigFile({ DESKGATE_CONFIG_FILE: unknown }), /"port" is not a deskgate setting/);
  const nested = await configFile({ DESKGATE_PORT: { value: 1 } });
  assert.throws(() => withConfigFile({ DESKGATE_CONFIG_FILE: nested }), /DESKGATE_PORT in DESKGATE_CONFIG_FILE .* must be a string, number or boolean/);
  assert.throws(() => withConfigFile({ DESKGATE_CONFIG_FILE: path.join(dir, 'missing.json') }), /DESKGATE_CONFIG_FILE .*missing\.json cannot be read/);
});

test('`deskgate serve` with a bad setting exits 2 with the message, from the environment or the config file', async () => {
  const fromEnv = await runDeskgate(['serve'], { DESKGATE_DATA_DIR: dir, DESKGATE_SHUTDOWN_TIMEOUT_MS: 'soon' });
  assert.equal(fromEnv.code, 2, fromEnv.output);
  assert.match(fromEnv.output, /deskgate: DESKGATE_SHUTDOWN_TIMEOUT_MS must be a whole number, got "soon"\./);

  const file = await configFile({ DESKGATE_DATA_DIR: dir, DESKGATE_STORAGE: 's3' });
  const fromFile = await runDeskgate(['serve'], { DESKGATE_CONFIG_FILE: file });
  assert.equal(fromFile.code, 2, fromFile.output);
  assert.match(fromFile.output, /deskgate: DESKGATE_S3_BUCKET is required when DESKGATE_STORAGE is s3\./);
});
