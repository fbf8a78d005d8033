import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const jiraEnv = {
  DESKGATE_DESK: 'jira',
  DESKGATE_JIRA_BASE_URL: 'https://acme.atlassian.net/',
  DESKGATE_JIRA_EMAIL: 'deskgate@acme.com',
  DESKGATE_JIRA_API_TOKEN: 'ATATT-very-secret',
  DESKGATE_JIRA_SERVICE_DESK_ID: '7',
  DESKGATE_JIRA_REQUEST_TYPE_ID: '25',
};
const zendeskEnv = {
  DESKGATE_DESK: 'zendesk',
  DESKGATE_ZENDESK_BASE_URL: 'https://acme.zendesk.com',
  DESKGATE_ZENDESK_EMAIL: 'deskgate@acme.com',
  DESKGATE_ZENDESK_API_TOKEN: 'zd-very-secret',
};

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

test('the builtin desk is the default and needs nothing; the breaker has defaults', () => {
  const { desk } = loadConfig({});
  assert.equal(desk.kind, 'builtin');
  assert.deepEqual(desk.circuitBreaker, { failureThreshold: 5, coolDownMs: 30_000 });
});

test('a complete Jira configuration is read, with the default summary and description fields', () => {
  const { desk } = loadConfig({ ...jiraEnv, DESKGATE_DESK_CIRCUIT_BREAKER_THRESHOLD: '3', DESKGATE_DESK_CIRCUIT_BREAKER_COOL_DOWN_MS: '5000' });
  assert.equal(desk.kind, 'jira');
  assert.deepEqual(desk.kind === 'jira' && desk.jira, {
    baseUrl: 'https://acme.atlassian.net',
    email: 'deskgate@acme.com',
    apiToken: 'ATATT-very-secret',
    serviceDeskId: '7',
    requestTypeId: '25',
    fieldMap: { summary: 'summary', description: 'description' },
  });
  assert.deepEqual(desk.circuitBreaker, { failureThreshold: 3, coolDownMs: 5000 });
});

test('a complete Zendesk configuration is read, with the default reference format', () => {
  const { desk } = loadConfig(zendeskEnv);
  assert.equal(desk.kind === 'zendesk' && desk.zendesk.referenceFormat, 'ZD-{id}');
});

test('every missing setting is named at once', () => {
  const message = configError({ ...jiraEnv, DESKGATE_JIRA_API_TOKEN: '', DESKGATE_JIRA_REQUEST_TYPE_ID: ' ' });
  assert.equal(message, 'DESKGATE_DESK=jira needs DESKGATE_JIRA_API_TOKEN, DESKGATE_JIRA_REQUEST_TYPE_ID.');
  assert.equal(configError({ DESKGATE_DESK: 'zendesk' }), 'DESKGATE_DESK=zendesk needs DESKGATE_ZENDESK_BASE_URL, DESKGATE_ZENDESK_EMAIL, DESKGATE_ZENDESK_API_TOKEN.');
});

test('bad values are refused with the setting named', () => {
  assert.match(configError({ DESKGATE_DESK: 'servicenow' }), /^DESKGATE_DESK must be builtin, jira or zendesk/);
  assert.match(configError({ ...jiraEnv, DESKGATE_JIRA_BASE_URL: 'acme.atlassian.net' }), /^DESKGATE_JIRA_BASE_URL must be a URL/);
  assert.match(configError({ ...jiraEnv, DESKGATE_JIRA_BASE_URL: 'http://acme.atlassian.net' }), /^DESKGATE_JIRA_BASE_URL must use https/);
  assert.match(configError({ ...jiraEnv, DESKGATE_JIRA_SERVICE_DESK_ID: 'my desk' }), /^DESKGATE_JIRA_SERVICE_DESK_ID must be/);
  assert.match(configError({ ...jiraEnv, DESKGATE_JIRA_REQUEST_TYPE_ID: 'Payments' }), /^DESKGATE_JIRA_REQUEST_TYPE_ID must be/);
  assert.match(configError({ ...jiraEnv, DESKGATE_JIRA_SUMMARY_FIELD: 'Summary' }), /^DESKGATE_JIRA_SUMMARY_FIELD must be summary, description or customfield_<number>/);
  assert.match(configError({ ...zendeskEnv, DESKGATE_ZENDESK_REFERENCE_FORMAT: 'ZD-' }), /^DESKGATE_ZENDESK_REFERENCE_FORMAT must contain \{id\}/);
  assert.match(configError({ ...zendeskEnv, DESKGATE_DESK_CIRCUIT_BREAKER_THRESHOLD: '0' }), /^DESKGATE_DESK_CIRCUIT_BREAKER_THRESHOLD must be between 1 and/);
});

test('plain http is allowed for a desk on this machine (local fakes)', () => {
  const { desk } = loadConfig({ ...zendeskEnv, DESKGATE_ZENDESK_BASE_URL: 'http://127.0.0.1:4010' });
  assert.equal(desk.kind === 'zendesk' && desk.zendesk.baseUrl, 'http://127.0.0.1:4010');
});
