/**
 * A real WebSub subscriber on 127.0.0.1 (port 0): answers verification GETs by a scripted policy (echo the challenge,
 * or decline in one of the ways the Recommendation names) and records every request byte for byte — the raw query
 * string of each GET, the raw body and headers of each POST — so tests check what went over the wire.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  /** The request target as sent: path and raw query string. */
  readonly target: string;
  /** The raw query string (without `?`). */
  readonly query: string;
  readonly params: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sha256: string;
}

/** How to answer a verification GET (denials are always answered 200). */
export type VerifyAnswer = 'echo' | 'not-found' | 'wrong-body' | 'server-error' | 'redirect';

export interface WebSubSubscriber {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** GETs with the given `hub.mode`. */
  gets(mode?: string): SeenRequest[];
  posts(): SeenRequest[];
  verify: VerifyAnswer;
  /** Status for distribution POSTs, by number (1-based, counting POSTs only); 204 unless set. */
  postStatus: (n: number) => number;
  close(): Promise<void>;
}

export async function startSubscriber(path = '/websub/cb'): Promise<WebSubSubscriber> {
  const server = http.createServer();
  const subscriber: WebSubSubscriber = {
    url: '',
    requests: [],
    gets: (mode) =>
      subscriber.requests.filter(
        (r) => r.method === 'GET' && (mode === undefined || r.params.get('hub.mode') === mode),
      ),
    posts: () => subscriber.requests.filter((r) => r.method === 'POST'),
    verify: 'echo',
    postStatus: () => 204,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.url ?? '/';
      const query = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
      const body = Buffer.concat(chunks);
      const seen: SeenRequest = {
        method: req.method ?? '',
        target,
        query,
        params: new URLSearchParams(query),
        headers: req.headers,
        body,
        sha256: createHash('sha256').update(body).digest('hex'),
      };
      subscriber.requests.push(seen);
      if (seen.method === 'POST') {
        res.writeHead(subscriber.postStatus(subscriber.posts().length)).end();
        return;
      }
      const challenge = seen.params.get('hub.challenge') ?? '';
      if (seen.params.get('hub.mode') === 'denied') {
        res.writeHead(200).end();
        return;
      }
      const plain = { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' };
      switch (subscriber.verify) {
        case 'echo':
          res.writeHead(200, plain).end(challenge);
          break;
        case 'not-found':
          res.writeHead(404, plain).end('no such subscription');
          break;
        case 'wrong-body':
          res.writeHead(200, plain).end(`${challenge}\n`);
          break;
        case 'server-error':
          res.writeHead(500, plain).end('try later');
          break;
        case 'redirect':
          res.writeHead(302, { location: `${subscriber.url}/elsewhere?${query}` }).end();
          break;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  Object.assign(subscriber, { url: `http://127.0.0.1:${port}${path}` });
  return subscriber;
}
