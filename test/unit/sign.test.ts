import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { decodeSecret, formatSecret, maskSecret, signWebhook } from '../../functions/core/sign.ts';

const OLD = formatSecret(Buffer.alloc(32, 1));
const NEW = formatSecret(Buffer.alloc(32, 2));
const body = JSON.stringify({ type: 'article.published', timestamp: '2024-05-01T00:00:00.000Z', data: { id: 'a' } });

describe('signWebhook', () => {
  it('produces Standard Webhooks headers that the reference library verifies', () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signWebhook({ id: 'evt_1', timestamp: now, body, secrets: [NEW] });
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(NEW).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs HMAC-SHA256 of "id.timestamp.body" with the decoded key', () => {
    const headers = signWebhook({ id: 'evt_1', timestamp: 1700000000, body, secrets: [NEW] });
    const expected = createHmac('sha256', Buffer.alloc(32, 2)).update(`evt_1.1700000000.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('is deterministic: time is a parameter', () => {
    const input = { id: 'evt_1', timestamp: 1700000000, body, secrets: [OLD, NEW] };
    expect(signWebhook(input)).toEqual(signWebhook(input));
    expect(signWebhook({ ...input, timestamp: 1700000001 })['webhook-signature']).not.toBe(
      signWebhook(input)['webhook-signature'],
    );
  });

  it('sends one signature per secret during rotation, each verifiable by a receiver holding only that secret', () => {
    const headers = signWebhook({ id: 'evt_2', timestamp: Math.floor(Date.now() / 1000), body, secrets: [NEW, OLD] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(OLD).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(NEW).verify(body, headers)).not.toThrow();
    const stranger = formatSecret(Buffer.alloc(32, 3));
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow();
  });

  it('produces a signature that a tampered body or id fails', () => {
    const headers = signWebhook({ id: 'evt_3', timestamp: Math.floor(Date.now() / 1000), body, secrets: [NEW] });
    expect(() => new Webhook(NEW).verify(body.replace('"a"', '"b"'), headers)).toThrow();
    expect(() => new Webhook(NEW).verify(body, { ...headers, 'webhook-id': 'evt_4' })).toThrow();
  });

  it('refuses to sign without a secret', () => {
    expect(() => signWebhook({ id: 'x', timestamp: 1, body, secrets: [] })).toThrow(TypeError);
  });
});

describe('secrets', () => {
  it('formats whsec_ + base64 of the key and decodes back to the same bytes', () => {
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7));
    const secret = formatSecret(key);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(decodeSecret(secret)).toEqual(key);
  });

  it('rejects a secret that is not base64', () => {
    expect(() => decodeSecret('whsec_not base64!')).toThrow(TypeError);
  });

  it('masks a secret down to its last four characters', () => {
    const secret = formatSecret(Buffer.alloc(32, 9));
    const masked = maskSecret(secret);
    expect(masked).toBe(`whsec_…${secret.slice(-4)}`);
    expect(masked).not.toContain(secret.slice(6, 20));
  });
});
