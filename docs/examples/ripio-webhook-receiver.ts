// A minimal webhook receiver for trying deskgate locally: verifies every
// delivery with verify-ripio-webhook.ts and prints it.
//   WEBHOOK_SECRET=whsec_... node --import tsx docs/examples/ripio-webhook-receiver.ts
import http from 'node:http';
import { verifyRipioWebhook } from './verify-ripio-webhook.js';

const secret = process.env.WEBHOOK_SECRET;
if (!secret) throw new Error('Set WEBHOOK_SECRET to the secret shown when you registered the endpoint.');
const port = Number(process.env.PORT ?? 9000);

http
  .createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (!verifyRipioWebhook(raw, request.headers, secret)) {
        console.log('rejected a delivery with a bad signature');
        response.writeHead(400).end();
        return;
      }
      const event = JSON.parse(raw.toString('utf8'));
      console.log(`verified ${event.eventType}:`, JSON.stringify(event.supportTicket));
      response.writeHead(204).end();
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`receiver listening on http://127.0.0.1:${port}/`));
