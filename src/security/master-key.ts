import { hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Independent keys derived from the one master secret, one per purpose. */
export interface Keys {
  /** Keys the SHA-256 hashes of partner secrets (client secrets, API keys). */
  secretHashing: Buffer;
  /** Signs Ripio bearer tokens (HS256). */
  tokenSigning: Buffer;
  /** Seals secrets kept at rest (webhook secrets, signing keys). */
  sealing: Buffer;
}

function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `deskgate:${purpose}`, 32));
}

export function deriveKeys(master: string): Keys {
  const material = Buffer.from(master, 'utf8');
  return {
    secretHashing: derive(material, 'secret-hashing'),
    tokenSigning: derive(material, 'token-signing'),
    sealing: derive(material, 'sealing'),
  };
}

/**
 * DESKGATE_SECRET when set (required when several machines share a database);
 * otherwise `<dataDir>/secret.key`, created once with owner-only permissions.
 */
export async function loadMasterSecret(configured: string | null, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = path.join(dataDir, 'secret.key');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await fs.mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    await fs.writeFile(file, secret, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await fs.readFile(file, 'utf8')).trim();
    throw error;
  }
}
