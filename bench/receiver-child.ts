/**
 * Webhook receivers for the fan-out benchmark, in their own process so they do not share an event loop
 * with the sender being measured. Starts `count` HTTP servers on 127.0.0.1, port 0, each answering every
 * POST with 204 once the body has arrived; reports the ports over IPC and answers `{ type: 'count' }` with
 * the number of requests and body bytes received. Exits when the parent disconnects.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? '4');
let requests = 0;
let bytes = 0;

function startReceiver(): Promise<Server> {
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      requests++;
      response.writeHead(204);
      response.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const servers = await Promise.all(Array.from({ length: count }, startReceiver));
process.on('message', (message: { type?: string }) => {
  if (message.type === 'count') process.send?.({ type: 'count', requests, bytes });
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', ports: servers.map((s) => (s.address() as AddressInfo).port) });
