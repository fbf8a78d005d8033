/** graphile-worker task identifiers, shared by enqueuers and the worker. */
export const TASKS = {
  registerTicket: 'register_ticket',
  purgeIdempotencyKeys: 'purge_idempotency_keys',
  purgeAttachments: 'purge_attachments',
  sweepOrphanObjects: 'sweep_orphan_objects',
} as const;

export const registerTicketJobKey = (ticketId: string) => `register_ticket:${ticketId}`;
