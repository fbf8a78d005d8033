import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. It records every request
 * and answers each one with the next scripted behaviour (default: 200, empty body).
 */

export type ReceiverBehaviour =
  /** Destroy the socket with a TCP reset once the request has been read. */
  | { reset: true }
  /** Answer with a redirect (default 302) to this location. */
  | { redirectTo: string; status?: number }
  | {
      status?: number;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Wait this long before sending anything (exercises header timeouts). */
      delayMs?: number;
      /** Send the headers at once, then wait this long before the body (exercises body timeouts). */
      bodyDelayMs?: number;
      /** Instead of `body`, keep streaming bytes until the client goes away (a client reading it all never returns). */
      endlessBody?: boolean;
    };

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: Date;
  /** Settles when the response ends: `completed` is false when the client went away before taking it all. */
  responseSettled: Promise<{ completed: boolean }>;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Scripts the answers to the next requests, in order. */
  enqueue(...behaviours: ReceiverBehaviour[]): void;
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const script: ReceiverBehaviour[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const respond = (req: IncomingMessage, res: ServerResponse, behaviour: ReceiverBehaviour): void => {
    if ('reset' in behaviour) {
      req.socket.resetAndDestroy();
      return;
    }
    if ('redirectTo' in behaviour) {
      res.writeHead(behaviour.status ?? 302, { location: behaviour.redirectTo }).end();
      return;
    }
    const { status = 200, headers = {}, body = '', delayMs = 0, bodyDelayMs = 0, endlessBody = false } = behaviour;
    const sendBody = (): void => {
      if (!endlessBody) {
        res.end(body);
        return;
      }
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    };
    later(delayMs, () => {
      res.writeHead(status, headers);
      if (bodyDelayMs === 0) {
        sendBody();
        return;
      }
      res.flushHeaders();
      later(bodyDelayMs, sendBody);
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const responseSettled = new Promise<{ completed: boolean }>((resolve) => {
        res.on('close', () => resolve({ completed: res.writableFinished }));
      });
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: new Date(),
        responseSettled,
      });
      for (const wake of waiters) wake();
      respond(req, res, script.shift() ?? {});
    });
  });
  // The client may go away mid-response on purpose (timeouts, truncated reads); that is not a test failure.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...behaviours) => script.push(...behaviours),
    waitForRequests(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (requests.length < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(requests.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} request(s) within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
