import type { Kysely } from 'kysely';
import type { DeskConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { createBuiltinDesk } from './builtin.js';
import { withCircuitBreaker } from './circuit-breaker.js';
import type { Desk } from './desk.js';
import { createJiraDesk } from './jira.js';
import { createZendeskDesk } from './zendesk.js';

/**
 * The configured help desk. Desks reached over the network sit behind a circuit breaker so that an
 * outage is not hammered by every queued registration; the builtin desk is our own database.
 */
export function createDesk(config: DeskConfig, db: Kysely<Database>): Desk {
  switch (config.kind) {
    case 'builtin':
      return createBuiltinDesk(db, config.builtinPrefix);
    case 'jira':
      return withCircuitBreaker(createJiraDesk({ ...config.jira, timeoutMs: config.timeoutMs }), config.circuitBreaker);
    case 'zendesk':
      return withCircuitBreaker(createZendeskDesk({ ...config.zendesk, timeoutMs: config.timeoutMs }), config.circuitBreaker);
  }
}
