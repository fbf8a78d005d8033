import type { TaskList } from 'graphile-worker';
import type { IdempotencyService } from '../services/idempotency.js';
import type { RegistrationService } from '../services/registration.js';
import { TASKS } from './task-names.js';

export function createTaskList(deps: { registration: RegistrationService; idempotency: IdempotencyService }): TaskList {
  return {
    [TASKS.registerTicket]: async (payload) => {
      await deps.registration.register((payload as { ticketId: string }).ticketId);
    },
    [TASKS.purgeIdempotencyKeys]: async () => {
      await deps.idempotency.purgeExpired();
    },
  };
}

/** Periodic housekeeping (graphile-worker crontab syntax). */
export const CRONTAB = [`17 * * * * ${TASKS.purgeIdempotencyKeys}`].join('\n');
