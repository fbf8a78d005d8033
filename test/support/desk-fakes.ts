import type { Ticket } from '../../src/db/schema.js';
import type { FakeServer } from '../fakes/fake-server.js';
import { JIRA_ROUTES, JiraFake } from '../fakes/jira.js';
import { ZENDESK_ROUTES, ZendeskFake } from '../fakes/zendesk.js';

/** One case as a vendor fake holds it, in desk-neutral terms. */
export interface FakeCase {
  reference: string;
  ccEmails: string[];
  attachments: Array<{ filename: string; size: number; sha256: string }>;
}

/**
 * A vendor fake as deskgate sees it: the settings that point deskgate at it and the cases it holds,
 * so one integration test can run against Jira and Zendesk alike.
 */
export interface FakeDesk {
  kind: 'jira' | 'zendesk';
  server: FakeServer;
  /** `DESKGATE_DESK` and the connection settings, as an operator would set them. */
  env: Record<string, string>;
  /** Route keys: the lookup every registration starts with (the exactly-once guard), and the case creation. */
  routes: { lookup: string; create: string };
  /** The fake's cases for this ticket: exactly one when all went well. */
  casesFor(ticket: Pick<Ticket, 'id' | 'external_ref'>): FakeCase[];
  close(): Promise<void>;
}

export type FakeDeskStarter = () => Promise<FakeDesk>;

export async function startFakeJira(): Promise<FakeDesk> {
  const fake = await JiraFake.start();
  return {
    kind: 'jira',
    server: fake.server,
    env: {
      DESKGATE_DESK: 'jira',
      DESKGATE_JIRA_BASE_URL: fake.url,
      DESKGATE_JIRA_EMAIL: fake.email,
      DESKGATE_JIRA_API_TOKEN: fake.apiToken,
      DESKGATE_JIRA_SERVICE_DESK_ID: fake.serviceDeskId,
      DESKGATE_JIRA_REQUEST_TYPE_ID: fake.requestTypeId,
    },
    routes: { lookup: JIRA_ROUTES.search, create: JIRA_ROUTES.createRequest },
    casesFor: (ticket) =>
      fake.requestsLabelled(`deskgate-${ticket.id}`).map((request) => ({
        reference: request.issueKey,
        ccEmails: request.participants.map((accountId) => fake.emailOf(accountId) ?? accountId),
        attachments: request.attachments,
      })),
    close: () => fake.close(),
  };
}

/** Zendesk with a non-default reference format, so the setting is exercised end to end. */
export const ZENDESK_REFERENCE_PREFIX = 'HELP-';

export async function startFakeZendesk(): Promise<FakeDesk> {
  const fake = await ZendeskFake.start();
  return {
    kind: 'zendesk',
    server: fake.server,
    env: {
      DESKGATE_DESK: 'zendesk',
      DESKGATE_ZENDESK_BASE_URL: fake.url,
      DESKGATE_ZENDESK_EMAIL: fake.email,
      DESKGATE_ZENDESK_API_TOKEN: fake.apiToken,
      DESKGATE_ZENDESK_REFERENCE_FORMAT: `${ZENDESK_REFERENCE_PREFIX}{id}`,
    },
    routes: { lookup: ZENDESK_ROUTES.listTickets, create: ZENDESK_ROUTES.createTicket },
    casesFor: (ticket) =>
      fake.tickets
        .filter((record) => record.externalId === ticket.external_ref)
        .map((record) => ({
          reference: `${ZENDESK_REFERENCE_PREFIX}${record.id}`,
          ccEmails: record.emailCcIds.map((userId) => fake.emailOf(userId) ?? String(userId)),
          attachments: record.attachments.map(({ fileName, size, sha256 }) => ({ filename: fileName, size, sha256 })),
        })),
    close: () => fake.close(),
  };
}

export const FAKE_DESKS: ReadonlyArray<[kind: FakeDesk['kind'], start: FakeDeskStarter]> = [
  ['jira', startFakeJira],
  ['zendesk', startFakeZendesk],
];
