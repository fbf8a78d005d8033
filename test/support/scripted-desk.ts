import { createBuiltinDesk } from '../../src/desks/builtin.js';
import { PermanentDeskError, TransientDeskError, type Desk } from '../../src/desks/desk.js';
import type { DatabaseHandle } from '../../src/db/database.js';

export type DeskFault = { transient: string; retryAfterMs?: number } | { permanent: string };

/**
 * The builtin desk behind a queue of scripted failures, standing in for a help
 * desk that has outages; records every call.
 */
export function scriptedDesk() {
  const faults: DeskFault[] = [];
  const calls: { ticketId: string; at: number }[] = [];
  return {
    faults,
    calls,
    factory: (database: DatabaseHandle): Desk => {
      const builtin = createBuiltinDesk(database.db, 'SUP');
      return {
        kind: 'scripted',
        async register(ticket, signal) {
          calls.push({ ticketId: ticket.ticketId, at: Date.now() });
          const fault = faults.shift();
          if (fault && 'transient' in fault) throw new TransientDeskError(fault.transient, fault.retryAfterMs ?? null);
          if (fault && 'permanent' in fault) throw new PermanentDeskError(fault.permanent);
          return builtin.register(ticket, signal);
        },
        check: (signal) => builtin.check(signal),
      };
    },
  };
}
