/**
 * Sends one delivery attempt over HTTP(S) (a webhook or WebSub POST, or WebSub's verification GET), behind the SSRF
 * guard. Every address a host name resolves to is
 * checked inside the socket's `lookup`, i.e. at connect time, so DNS rebinding between "subscribe" and
 * "deliver" cannot reach an internal address. Redirects are never followed; the response body is read up to
 * a cap and the socket destroyed past it; one deadline covers connect, headers and body.
 */
import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { SendResult, WebhookSender } from '../core/delivery.ts';
import { UnsafeTargetError } from '../core/errors.ts';
import { checkTargetUrl, type ResolvedAddress, type ResolveHost, refusedResolution } from '../core/ssrf.ts';
import { USER_AGENT } from '../core/version.ts';

/** Resolves with the system resolver (`getaddrinfo`), every address, in the order the system gives them. */
export const resolveWithSystem: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses);
    });
  });

export interface HttpSenderOptions {
  /** Local development: http:, any port and private addresses (the cloud metadata address stays refused). */
  allowPrivateTargets: boolean;
  /** Deadline for connect + full response, default 15 s. */
  timeoutMs?: number;
  /** Bytes of response body read before the socket is destroyed, default 64 KiB. */
  maxResponseBytes?: number;
  /** Sent when the caller's headers carry no user-agent (default `wirefeed/<version>`). */
  userAgent?: string;
  resolve?: ResolveHost;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
const SNIPPET_BYTES = 512;

/** A `lookup` for net/tls sockets that resolves every address and fails the connect if any is refused. */
export function createGuardedLookup(allowPrivateTargets: boolean, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const family = typeof options === 'object' ? options.family : undefined;
        const candidates = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : [...addresses];
        // All of them are checked, not only the one used, so a mixed answer cannot smuggle one in later.
        const refused = refusedResolution(hostname, hostname, addresses, allowPrivateTargets);
        const first = candidates[0];
        if (refused) {
          callback(refused, '');
        } else if (first === undefined) {
          const error = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          callback(error, '');
        } else if (typeof options === 'object' && options.all) {
          (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, candidates);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

/** Milliseconds a `Retry-After` value asks for (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function describeError(error: unknown): string {
  if (error instanceof UnsafeTargetError) return error.message;
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? error);
}

/**
 * An HTTP(S) webhook sender with keep-alive agents. Never throws for a failed attempt: the result says what
 * happened. A 2xx whose body exceeds the cap is still a success — the receiver accepted the event; only the
 * read stops. A response not complete within the deadline is a failure even when its status was 2xx.
 */
export function createHttpSender(options: HttpSenderOptions): WebhookSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const lookup = createGuardedLookup(options.allowPrivateTargets, options.resolve ?? resolveWithSystem);
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  return {
    send(url, headers, body, sendOptions = {}) {
      const method = sendOptions.method ?? 'POST';
      const started = performance.now();
      const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
      let target: URL;
      try {
        checkTargetUrl(url, { allowPrivateTargets: options.allowPrivateTargets });
        target = new URL(url);
      } catch (error) {
        const refused = error instanceof UnsafeTargetError && error.privateTarget ? 'private-target' : 'unsafe';
        return Promise.resolve({ status: null, latencyMs: 0, error: describeError(error), refused });
      }
      // A GET carries no body, so no body headers either; a POST sends the bytes as given.
      const payload = method === 'GET' ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const requestHeaders: Record<string, string> = {
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
        'user-agent': options.userAgent ?? USER_AGENT,
        ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
        ...(method === 'GET' ? {} : { 'content-length': String(payload.length) }),
      };
      const module = target.protocol === 'https:' ? https : http;
      const agent = target.protocol === 'https:' ? agents['https:'] : agents['http:'];

      return new Promise<SendResult>((resolve) => {
        let status: number | null = null;
        let retryAfterMs: number | undefined;
        const chunks: Buffer[] = [];
        let received = 0;
        let settled = false;
        const finish = (result: Omit<SendResult, 'latencyMs'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          const snippet = Buffer.concat(chunks).subarray(0, SNIPPET_BYTES).toString('utf8');
          resolve({
            ...result,
            latencyMs: elapsed(),
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
            ...(snippet === '' ? {} : { bodySnippet: snippet }),
          });
        };
        const request = module.request(target, {
          method,
          headers: requestHeaders,
          agent,
          lookup,
        });
        const deadline = setTimeout(() => {
          finish({
            status,
            error: status === null ? `timeout after ${timeoutMs} ms` : `response not complete after ${timeoutMs} ms`,
          });
          request.destroy();
        }, timeoutMs);
        request.on('error', (error) =>
          finish({
            status,
            error: describeError(error),
            ...(error instanceof UnsafeTargetError ? { refusedAddress: true } : {}),
          }),
        );
        request.on('response', (response) => {
          status = response.statusCode ?? null;
          retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
          response.on('data', (chunk: Buffer) => {
            const room = maxResponseBytes - received;
            received += chunk.length;
            if (room > 0) chunks.push(chunk.subarray(0, room));
            if (received > maxResponseBytes) {
              // Past the cap: stop reading and drop the connection rather than drain an unbounded body.
              finish({ status });
              request.destroy();
            }
          });
          response.on('end', () => finish({ status }));
          response.on('error', (error) => finish({ status, error: describeError(error) }));
          response.on('aborted', () => finish({ status, error: 'response aborted' }));
        });
        request.end(payload.length === 0 ? undefined : payload);
      });
    },
  };
}
