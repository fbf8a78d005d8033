/** Where attachment objects live in storage: `attachments/<ticketId>/<position>-<attachmentId>`. */
export const ATTACHMENTS_PREFIX = 'attachments/';

export function attachmentKey(ticketId: string, position: number, attachmentId: string): string {
  return `${ATTACHMENTS_PREFIX}${ticketId}/${position}-${attachmentId}`;
}

/** The ticket an attachment object belongs to, or null for a key outside the layout. */
export function ticketIdOfKey(key: string): string | null {
  const match = /^attachments\/([0-9a-f-]{36})\//.exec(key);
  return match ? match[1]! : null;
}
