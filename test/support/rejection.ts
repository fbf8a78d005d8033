import assert from 'node:assert/strict';

/** The error a promise rejects with (fails the test when it resolves), for assertions on its class and fields. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}
