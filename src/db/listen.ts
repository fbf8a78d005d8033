import type pg from 'pg';
import type { Logger } from 'pino';

export interface ChangeFeed {
  close(): Promise<void>;
}

/**
 * LISTENs on `channel` on a connection of its own (held from the pool, as
 * graphile-worker holds its own). `onState(true)` fires once the LISTEN is in
 * place, `onState(false)` when the connection is lost; it reconnects with
 * backoff. Notifications missed while disconnected are not replayed, so a
 * subscriber must treat a disconnect as "anything may have changed".
 */
export function listenForChanges(deps: {
  pool: pg.Pool;
  channel: string;
  log: Logger;
  onNotify: () => void;
  onState: (listening: boolean) => void;
}): ChangeFeed {
  let client: pg.PoolClient | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const lost = (error: unknown) => {
    if (!client) return;
    const broken = client;
    client = null;
    deps.onState(false);
    broken.removeAllListeners('notification');
    broken.release(error instanceof Error ? error : true);
    if (!closed) {
      deps.log.warn({ err: error, channel: deps.channel }, 'change feed lost its connection; reconnecting');
      schedule();
    }
  };

  function schedule() {
    const delayMs = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
    retry = setTimeout(() => void connect(), delayMs);
    retry.unref();
  }

  async function connect() {
    let candidate: pg.PoolClient | undefined;
    try {
      candidate = await deps.pool.connect();
      candidate.on('notification', (message) => message.channel === deps.channel && deps.onNotify());
      candidate.on('error', (error) => lost(error));
      candidate.on('end', () => lost(new Error('connection ended')));
      await candidate.query(`LISTEN "${deps.channel}"`);
      if (closed) {
        candidate.release(true);
        return;
      }
      client = candidate;
      failures = 0;
      deps.onState(true);
    } catch (error) {
      candidate?.release(true);
      failures += 1;
      if (!closed) {
        deps.log.warn({ err: error, channel: deps.channel }, 'change feed could not listen; retrying');
        schedule();
      }
    }
  }

  const connecting = connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await connecting;
      if (client) {
        const current = client;
        client = null;
        deps.onState(false);
        current.removeAllListeners();
        await current.query(`UNLISTEN "${deps.channel}"`).catch(() => undefined);
        current.release();
      }
    },
  };
}
