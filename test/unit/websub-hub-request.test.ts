import { describe, expect, it } from 'vitest';
import { HubRequestError } from '../../functions/core/errors.ts';
import { DEFAULT_LEASE } from '../../functions/core/site.ts';
import {
  grantLease,
  type HubRequestContext,
  parseHubForm,
  readHubForm,
} from '../../functions/core/websub/hub-request.ts';

const ON = { itemLimit: 20 };
const site = { siteUrl: 'https://news.example.com', topics: { categories: ON, tags: ON, authors: ON } };
const context: HubRequestContext = { site, lease: DEFAULT_LEASE, allowPrivateTargets: false };
const CALLBACK = 'https://reader.example.org/websub/cb-7f3a?user=42';

function form(params: Record<string, string> | [string, string][]): URLSearchParams {
  return new URLSearchParams(params);
}

function refusal(run: () => unknown): { status: number; reason: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof HubRequestError) return { status: error.status, reason: error.reason };
    throw error;
  }
  throw new Error('expected a refusal');
}

const subscribe = (extra: Record<string, string> = {}) =>
  form({
    'hub.mode': 'subscribe',
    'hub.topic': 'https://news.example.com/feed.xml',
    'hub.callback': CALLBACK,
    ...extra,
  });

describe('a subscription request', () => {
  it('is accepted with the default lease of ten days when it asks for none, and no secret', () => {
    expect(parseHubForm(subscribe(), context)).toEqual({
      mode: 'subscribe',
      topic: 'https://news.example.com/feed.xml',
      callback: CALLBACK,
      leaseSeconds: 10 * 24 * 3600,
    });
  });

  it('ignores parameters the hub does not know (websub.rocks 102)', () => {
    const parsed = parseHubForm(subscribe({ foo: 'bar', 'hub.verify': 'sync', 'hub.extra': 'x' }), context);
    expect(parsed.callback).toBe(CALLBACK);
    expect(parsed).not.toHaveProperty('foo');
  });

  it('keeps a secret under 200 bytes, and refuses one of 200 bytes or more', () => {
    expect(parseHubForm(subscribe({ 'hub.secret': 'x'.repeat(199) }), context).secret).toBe('x'.repeat(199));
    expect(refusal(() => parseHubForm(subscribe({ 'hub.secret': 'x'.repeat(200) }), context))).toEqual({
      status: 400,
      reason: 'hub.secret must be less than 200 bytes (got 200)',
    });
    // Bytes, not characters: 100 two-byte characters are 200 bytes.
    expect(refusal(() => parseHubForm(subscribe({ 'hub.secret': 'é'.repeat(100) }), context)).status).toBe(400);
  });

  it('clamps the requested lease to the bounds: never below the minimum, never above the maximum, never perpetual', () => {
    const lease = (value: string) => parseHubForm(subscribe({ 'hub.lease_seconds': value }), context).leaseSeconds;
    expect(lease('86400')).toBe(86400);
    expect(lease('5')).toBe(DEFAULT_LEASE.min);
    expect(lease('0')).toBe(DEFAULT_LEASE.min);
    expect(lease('999999999999')).toBe(DEFAULT_LEASE.max);
    expect(grantLease(undefined, DEFAULT_LEASE)).toBe(DEFAULT_LEASE.default);
    for (const bad of ['-1', '1.5', 'ten', '1e9']) {
      expect(refusal(() => parseHubForm(subscribe({ 'hub.lease_seconds': bad }), context)).status, bad).toBe(400);
    }
  });

  it('names the topic as the site names it, whatever spelling of the same URL the request used', () => {
    const parsed = parseHubForm(subscribe({ 'hub.topic': 'HTTPS://NEWS.example.com:443/feed.json' }), context);
    expect(parsed.topic).toBe('https://news.example.com/feed.json');
  });

  it('ignores the lease and the secret of an unsubscribe request', () => {
    const parsed = parseHubForm(
      subscribe({ 'hub.mode': 'unsubscribe', 'hub.secret': 's3cret', 'hub.lease_seconds': '60' }),
      context,
    );
    expect(parsed).toEqual({
      mode: 'unsubscribe',
      topic: 'https://news.example.com/feed.xml',
      callback: CALLBACK,
      leaseSeconds: DEFAULT_LEASE.default,
    });
  });
});

describe('a topic feed as hub.topic', () => {
  it('is accepted for every document of a topic kind that is on, named by its self URL', () => {
    for (const path of ['tags/markets/feed.xml', 'categories/politics/atom.xml', 'authors/ana/archive/2/feed.json']) {
      const parsed = parseHubForm(subscribe({ 'hub.topic': `HTTPS://NEWS.example.com/${path}` }), context);
      expect(parsed.topic).toBe(`https://news.example.com/${path}`);
    }
  });

  it('is refused with 404 for a kind site.json turns off', () => {
    const off = { ...context, site: { ...site, topics: { ...site.topics, tags: null } } };
    const refused = refusal(() =>
      parseHubForm(subscribe({ 'hub.topic': 'https://news.example.com/tags/markets/feed.xml' }), off),
    );
    expect(refused.status).toBe(404);
  });
});

describe('a refused subscription request gets a 4xx with a plain-text reason', () => {
  it('without hub.mode → 400', () => {
    const body = subscribe();
    body.delete('hub.mode');
    expect(refusal(() => parseHubForm(body, context))).toEqual({
      status: 400,
      reason: 'hub.mode is required: subscribe or unsubscribe',
    });
  });

  it.each([
    [{ 'hub.mode': 'watch' }, 400, /hub\.mode must be subscribe or unsubscribe \(got "watch"\)/],
    [{ 'hub.mode': 'publish' }, 400, /hub\.mode=publish is not needed/],
    [{ 'hub.topic': '' }, 400, /hub\.topic is required/],
    [{ 'hub.topic': 'https://elsewhere.example.net/feed.xml' }, 404, /is not a feed of this site; its topics are/],
    [{ 'hub.topic': 'https://news.example.com/articles/a.html' }, 404, /not a feed of this site/],
    [{ 'hub.topic': 'https://news.example.com/tags/Markets/feed.xml' }, 404, /not a feed of this site/],
    [{ 'hub.callback': '' }, 400, /hub\.callback is required/],
    [{ 'hub.callback': 'not a url' }, 400, /without spaces/],
    [{ 'hub.callback': 'ftp://reader.example.org/cb' }, 400, /hub\.callback is refused: scheme ftp:/],
    [{ 'hub.callback': 'http://reader.example.org/cb' }, 400, /scheme http: is not allowed/],
    [{ 'hub.callback': 'https://127.0.0.1/cb' }, 400, /127\.0\.0\.1 is loopback/],
    [{ 'hub.callback': 'https://169.254.169.254/latest' }, 400, /cloud metadata address/],
    [{ 'hub.callback': 'https://user:pw@reader.example.org/cb' }, 400, /credentials/],
    [{ 'hub.callback': `https://reader.example.org/${'a'.repeat(2100)}` }, 400, /longer than 2048/],
  ])('%j → %i', (params, status, reason) => {
    const refused = refusal(() => parseHubForm(subscribe(params), context));
    expect(refused.status).toBe(status);
    expect(refused.reason).toMatch(reason);
  });

  it('refuses a known parameter given twice instead of guessing which one was meant', () => {
    const body = form([
      ['hub.mode', 'subscribe'],
      ['hub.topic', 'https://news.example.com/feed.xml'],
      ['hub.topic', 'https://news.example.com/atom.xml'],
      ['hub.callback', CALLBACK],
    ]);
    expect(refusal(() => parseHubForm(body, context))).toEqual({ status: 400, reason: 'hub.topic is given 2 times' });
  });

  it('lets local development subscribe a loopback callback over http, on any port', () => {
    const local = { ...context, allowPrivateTargets: true };
    const parsed = parseHubForm(subscribe({ 'hub.callback': 'http://127.0.0.1:9000/cb?x=1' }), local);
    expect(parsed.callback).toBe('http://127.0.0.1:9000/cb?x=1');
    // The metadata address stays refused even then.
    expect(refusal(() => parseHubForm(subscribe({ 'hub.callback': 'http://169.254.169.254/' }), local)).reason).toMatch(
      /cloud metadata/,
    );
  });
});

describe('the request body', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('must be form-encoded (415 otherwise), with or without a charset', () => {
    expect(
      readHubForm('application/x-www-form-urlencoded; charset=UTF-8', bytes('hub.mode=subscribe')).get('hub.mode'),
    ).toBe('subscribe');
    expect(refusal(() => readHubForm('application/json', bytes('{}'))).status).toBe(415);
    expect(refusal(() => readHubForm(undefined, bytes('hub.mode=subscribe'))).status).toBe(415);
  });

  it('must be UTF-8 and at most 16 KiB', () => {
    const type = 'application/x-www-form-urlencoded';
    expect(refusal(() => readHubForm(type, new Uint8Array([0x68, 0xff, 0xfe])))).toEqual({
      status: 400,
      reason: 'the request body is not UTF-8',
    });
    expect(refusal(() => readHubForm(type, new Uint8Array(16 * 1024 + 1))).status).toBe(413);
  });

  it('decodes percent-encoded and plus-encoded values', () => {
    const params = readHubForm(
      'application/x-www-form-urlencoded',
      bytes('hub.callback=https%3A%2F%2Freader.example.org%2Fcb%3Fa%3D1%26b%3Dtwo+words'),
    );
    expect(params.get('hub.callback')).toBe('https://reader.example.org/cb?a=1&b=two words');
  });
});
