/** Standard Webhooks signing: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. Time is a parameter. */
import { createHmac } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

export type WebhookSignatureHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

/**
 * The key bytes of a `whsec_…` secret (the prefix is optional, as in the reference libraries).
 * Throws on an empty or non-base64 secret, so a corrupt subscriber record fails loudly instead of signing with no key.
 */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new TypeError('webhook secret is not base64');
  return Buffer.from(encoded, 'base64');
}

/** `whsec_` + base64 of the given random bytes (32 of them for a new subscriber). */
export function formatSecret(randomKey: Uint8Array): string {
  return `${SECRET_PREFIX}${Buffer.from(randomKey).toString('base64')}`;
}

/** A secret as it may be shown after it was first printed: `whsec_…abcd` (the last four characters only). */
export function maskSecret(secret: string): string {
  return `${SECRET_PREFIX}…${secret.slice(-4)}`;
}

/**
 * Headers for one delivery attempt. One `v1,` signature per secret, space-separated, so a receiver holding
 * either the old or the new secret verifies while a secret rotates.
 * @param input.timestamp unix seconds of this attempt (Standard Webhooks receivers reject stale timestamps).
 */
export function signWebhook(input: {
  id: string;
  timestamp: number;
  body: string;
  secrets: readonly string[];
}): WebhookSignatureHeaders {
  if (input.secrets.length === 0) throw new TypeError('signWebhook needs at least one secret');
  const timestamp = String(Math.floor(input.timestamp));
  const content = `${input.id}.${timestamp}.${input.body}`;
  const signatures = input.secrets.map(
    (secret) => `v1,${createHmac('sha256', decodeSecret(secret)).update(content, 'utf8').digest('base64')}`,
  );
  return { 'webhook-id': input.id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}
