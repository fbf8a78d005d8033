import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { watchClosingBoundary } from '../../src/http/multipart-end.js';

const boundary = '----deskgate0123';
const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="summary"\r\n\r\nhello\r\n--${boundary}--\r\n`);

function watch(chunks: Buffer[]): boolean {
  const raw = new EventEmitter();
  const closed = watchClosingBoundary({ headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, raw } as unknown as FastifyRequest);
  for (const chunk of chunks) raw.emit('data', chunk);
  return closed();
}

test('the closing delimiter is found wherever the chunks split it, including one byte at a time', () => {
  for (let cut = 1; cut < body.length; cut += 1) {
    assert.equal(watch([body.subarray(0, cut), body.subarray(cut)]), true, `split at ${cut}`);
  }
  assert.equal(watch([...body].map((b) => Buffer.from([b]))), true);
});

test('a body that stops before its closing delimiter, or only has the part delimiters, is not closed', () => {
  const cutOff = body.subarray(0, body.indexOf(`--${boundary}--`) + 5);
  for (let cut = 1; cut < cutOff.length; cut += 7) assert.equal(watch([cutOff.subarray(0, cut), cutOff.subarray(cut)]), false);
  assert.equal(watch([Buffer.from(`--${boundary}\r\n`), Buffer.from(`--${boundary}-`), Buffer.from('x--')]), false);
});
