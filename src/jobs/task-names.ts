/** graphile-worker task identifiers, shared by enqueuers and the worker. */
export const TASKS = {
  registerTicket: 'register_ticket',
  purgeIdempotencyKeys: 'purge_idempotency_keys',
  deliverWebhook: 'deliver_webhook',
  purgeWebhookDeliveries: 'purge_webhook_deliveries',
  purgeAttachments: 'purge_attachments',
  sweepOrphanObjects: 'sweep_orphan_objects',
} as const;

export const registerTicketJobKey = (ticketId: string) => `register_ticket:${ticketId}`;
export const webhookDeliveryJobKey = (deliveryId: string) => `deliver_webhook:${deliveryId}`;
