/** Circle CPN notification types and how a subscription's types are read (SPEC §3). */

/** Matches every notification type. */
export const ALL_NOTIFICATIONS = '*';

/**
 * What a subscription may name (SPEC §3): Circle's documented `NotificationType`
 * values (deskgate never emits the payment, RFI and transaction ones, but a
 * subscription to them is valid) plus the support-ticket types deskgate sends.
 */
export const CPN_NOTIFICATION_TYPES = [
  ALL_NOTIFICATIONS,
  'cpn.payment.*',
  'cpn.payment.cryptoFundsPending',
  'cpn.payment.fiatPaymentInitiated',
  'cpn.payment.completed',
  'cpn.payment.failed',
  'cpn.payment.delayed',
  'cpn.rfi.*',
  'cpn.rfi.informationRequired',
  'cpn.rfi.inReview',
  'cpn.rfi.approved',
  'cpn.rfi.rejected',
  'cpn.transaction.*',
  'cpn.transaction.broadcasted',
  'cpn.transaction.completed',
  'cpn.transaction.failed',
  'cpn.supportTicket.*',
  'cpn.supportTicket.created',
  'cpn.supportTicket.failed',
] as const;

export type CpnNotificationType = (typeof CPN_NOTIFICATION_TYPES)[number];

/** A subscription's types as stored: none or any `*` means every type (unrestricted), stored as just `*`. */
export function subscribedTypes(requested: readonly string[] | undefined): string[] {
  if (!requested || requested.length === 0 || requested.includes(ALL_NOTIFICATIONS)) return [ALL_NOTIFICATIONS];
  return [...new Set(requested)];
}

export const isRestricted = (notificationTypes: readonly string[]): boolean => !notificationTypes.includes(ALL_NOTIFICATIONS);
