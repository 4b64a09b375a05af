/**
 * A real webhook receiver on 127.0.0.1 (port 0) that counts what it receives and verifies each request with
 * the `standardwebhooks` library, under every secret it was given. Its answer per request is scripted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { checkEventBody } from './event-schema.ts';

export type Reply =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  /** Accept the request, never answer. */
  | { kind: 'hang' }
  /** Destroy the connection without answering (the client sees a reset / socket hang up). */
  | { kind: 'reset' }
  /** 200 headers, then one byte every `intervalMs`, `bytes` in all. */
  | { kind: 'drip'; intervalMs: number; bytes: number }
  /** 200 with a body of `bytes` bytes. */
  | { kind: 'huge'; bytes: number };

export interface ReceivedRequest {
  readonly n: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly webhookId: string;
  /** The secrets (by index in `secrets`) whose Webhook.verify accepted the request. */
  readonly verifiedBy: number[];
  /** What the receiver answered. */
  readonly reply: Reply['kind'];
  readonly status: number | null;
  /** Whether the whole response was written before the connection closed (false when the client hung up). */
  completed?: boolean;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Connections accepted at the TCP level (a refused target must leave this at zero). */
  connections: number;
  /** Secrets to verify with; may be set after the subscriber is created. */
  secrets: string[];
  reply: (request: { n: number; webhookId: string; body: string }) => Reply;
  close(): Promise<void>;
}

export async function startReceiver(
  options: { reply?: Receiver['reply']; secrets?: string[] } = {},
): Promise<Receiver> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer();
  const receiver: Receiver = {
    url: '',
    port: 0,
    requests: [],
    connections: 0,
    secrets: options.secrets ?? [],
    reply: options.reply ?? (() => ({ kind: 'status', status: 200 })),
    async close() {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('connection', () => {
    receiver.connections++;
  });
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const webhookId = String(req.headers['webhook-id'] ?? '');
      const verifiedBy: number[] = [];
      receiver.secrets.forEach((secret, index) => {
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
          verifiedBy.push(index);
        } catch {
          // Not signed with this secret: recorded by its absence from verifiedBy.
        }
      });
      // Every webhook wirefeed sends must match the schema it publishes.
      if (webhookId !== '') checkEventBody(body);
      const n = receiver.requests.length + 1;
      const reply = receiver.reply({ n, webhookId, body });
      const status =
        reply.kind === 'status' ? reply.status : reply.kind === 'drip' || reply.kind === 'huge' ? 200 : null;
      const record: ReceivedRequest = {
        n,
        headers: req.headers,
        body,
        webhookId,
        verifiedBy,
        reply: reply.kind,
        status,
      };
      receiver.requests.push(record);
      res.on('close', () => {
        record.completed = res.writableFinished;
      });
      switch (reply.kind) {
        case 'status': {
          const answer = () => {
            if (res.destroyed) return;
            res.writeHead(reply.status, reply.headers ?? {});
            res.end(reply.body ?? '');
          };
          if (reply.delayMs === undefined) answer();
          else {
            const timer = setTimeout(() => {
              timers.delete(timer);
              answer();
            }, reply.delayMs);
            timers.add(timer);
          }
          break;
        }
        case 'hang':
          break;
        case 'reset':
          req.socket.destroy();
          break;
        case 'drip': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          let sent = 0;
          const timer = setInterval(() => {
            if (sent >= reply.bytes || res.destroyed) {
              clearInterval(timer);
              timers.delete(timer);
              res.end();
              return;
            }
            res.write('.');
            sent++;
          }, reply.intervalMs);
          timers.add(timer);
          break;
        }
        case 'huge': {
          res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(reply.bytes) });
          const block = Buffer.alloc(64 * 1024, 120);
          let left = reply.bytes;
          const pump = () => {
            while (left > 0) {
              const piece = block.subarray(0, Math.min(block.length, left));
              left -= piece.length;
              if (!res.write(piece)) {
                res.once('drain', pump);
                return;
              }
            }
            res.end();
          };
          res.on('error', () => undefined);
          pump();
          break;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  Object.assign(receiver, { port, url: `http://127.0.0.1:${port}/hooks` });
  return receiver;
}

export { seededRandom } from './seeded-random.ts';
