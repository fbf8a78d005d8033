/**
 * Where attachment objects live in storage:
 * `attachments/<first two characters of the ticket id>/<ticketId>-<position>-<attachmentId>`.
 * 256 folders rather than one per ticket: on local disk a new folder per
 * ticket cost a directory creation per upload. Keys of the earlier layout,
 * `attachments/<ticketId>/<position>-<attachmentId>`, are stored with their
 * rows and stay valid.
 */
export const ATTACHMENTS_PREFIX = 'attachments/';

export function attachmentKey(ticketId: string, position: number, attachmentId: string): string {
  return `${ATTACHMENTS_PREFIX}${ticketId.slice(0, 2)}/${ticketId}-${position}-${attachmentId}`;
}

/** The ticket an attachment object belongs to (either layout), or null for a key outside them. */
export function ticketIdOfKey(key: string): string | null {
  const match = /^attachments\/(?:[0-9a-f]{2}\/)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})[/-]/.exec(key);
  return match ? match[1]! : null;
}
