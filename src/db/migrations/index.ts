import * as m0001 from './0001_foundation.js';
import * as m0002 from './0002_webhooks.js';
import * as m0003 from './0003_cpn.js';
import * as m0004 from './0004_cpn_notifications.js';
import * as m0006 from './0006_rate_limits.js';
import * as m0007 from './0007_admin_keys.js';
import * as m0008 from './0008_job_outbox.js';
import * as m0009 from './0009_credential_changes.js';
import * as m0010 from './0010_job_hand_over.js';

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

/** Numbered, append-only: never edit a migration that has shipped; add the next one. */
export const migrations: Migration[] = [
  { id: 1, name: 'foundation', sql: m0001.sql },
  { id: 2, name: 'webhooks', sql: m0002.sql },
  { id: 3, name: 'cpn', sql: m0003.sql },
  { id: 4, name: 'cpn_notifications', sql: m0004.sql },
  { id: 6, name: 'rate_limits', sql: m0006.sql },
  { id: 7, name: 'admin_keys', sql: m0007.sql },
  { id: 8, name: 'job_outbox', sql: m0008.sql },
  { id: 9, name: 'credential_changes', sql: m0009.sql },
  { id: 10, name: 'job_hand_over', sql: m0010.sql },
];

export const latestMigrationId = migrations[migrations.length - 1]!.id;
