/** Attachment rules of the Ripio create-ticket contract (seed 000). */
export const MAX_FILES = 5;
export const MAX_FILE_BYTES = 25 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 50 * 1024 * 1024;

export const ALLOWED_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'mp4', 'mov', 'avi', 'webm', 'pdf'] as const;
export type AllowedExtension = (typeof ALLOWED_EXTENSIONS)[number];

const CONTENT_TYPES: Record<AllowedExtension, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  avi: 'video/x-msvideo',
  webm: 'video/webm',
  pdf: 'application/pdf',
};

/** Bytes needed to recognise every allowed format. */
export const SNIFF_BYTES = 12;

/** Lower-cased extension when it is allowed, else null. */
export function allowedExtension(filename: string): AllowedExtension | null {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return null;
  const ext = filename.slice(dot + 1).toLowerCase();
  return (ALLOWED_EXTENSIONS as readonly string[]).includes(ext) ? (ext as AllowedExtension) : null;
}

export function extensionOf(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1);
}

/** The content type we store and send on, derived from the checked format (never the client's claim). */
export function contentTypeFor(ext: AllowedExtension): string {
  return CONTENT_TYPES[ext];
}

const ascii = (head: Buffer, offset: number, text: string) =>
  head.length >= offset + text.length && head.toString('latin1', offset, offset + text.length) === text;

// QuickTime files may start with any top-level atom; these are the ones seen first in practice.
const QUICKTIME_ATOMS = ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot'];

/** Do the file's leading bytes match the format its extension names? */
export function leadingBytesMatch(ext: AllowedExtension, head: Buffer): boolean {
  switch (ext) {
    case 'jpg':
    case 'jpeg':
      return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
    case 'png':
      return head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    case 'webp':
      return ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP');
    case 'avi':
      return ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ');
    case 'mp4':
      return ascii(head, 4, 'ftyp');
    case 'mov':
      return QUICKTIME_ATOMS.some((atom) => ascii(head, 4, atom));
    case 'webm':
      return head.length >= 4 && head.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
    case 'pdf':
      return ascii(head, 0, '%PDF-');
  }
}
