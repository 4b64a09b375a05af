/**
 * The requests the hub and the publisher send (W3C WebSub): verification of intent and denial URLs (the callback's
 * own query string kept, the hub's parameters appended), the distribution's `Link` header and `X-Hub-Signature`, the
 * publisher's ping body. Pure.
 */
import { createHmac } from 'node:crypto';

/**
 * `callback` with `params` appended to its query string with `&` (or `?` when it has none), as the Recommendation
 * requires: the callback's own parameters stay exactly as given, in front, even when their names are the hub's. The
 * fragment, which is never sent, is left out.
 */
export function callbackWithQuery(callback: string, params: Readonly<Record<string, string>>): string {
  const hash = callback.indexOf('#');
  const base = hash === -1 ? callback : callback.slice(0, hash);
  const query = new URLSearchParams(params).toString();
  if (!base.includes('?')) return `${base}?${query}`;
  return base.endsWith('?') || base.endsWith('&') ? `${base}${query}` : `${base}&${query}`;
}

/** `X-Hub-Signature` for a distribution: `sha256=` and the hex HMAC-SHA256 of the body with `hub.secret` as key. */
export function hubSignature(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex')}`;
}

/** The distribution's `Link` header: the hub and the topic's canonical (self) URL, combined in one header. */
export function distributionLink(hub: string, topic: string): string {
  return `<${hub}>; rel="hub", <${topic}>; rel="self"`;
}

/** The body of a publisher ping: `hub.mode=publish` with the topic as `hub.topic` and `hub.url` (hubs read either). */
export function pingBody(topic: string): string {
  return new URLSearchParams({ 'hub.mode': 'publish', 'hub.topic': topic, 'hub.url': topic }).toString();
}
