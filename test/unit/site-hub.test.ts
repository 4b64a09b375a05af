import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { DEFAULT_LEASE, parseSite } from '../../functions/core/site.ts';

const site = { title: 'Wire', siteUrl: 'https://news.example.com/', hubs: ['https://pubsubhubbub.example/'] };

describe('site.json "hub"', () => {
  it('is off unless enabled, and then the built-in hub is advertised first, at <siteUrl>/hub', () => {
    expect(parseSite(site, 'site.json').hub).toBeUndefined();
    expect(parseSite({ ...site, hub: { enabled: false } }, 'site.json').hubs).toEqual([
      'https://pubsubhubbub.example/',
    ]);
    const on = parseSite({ ...site, hub: { enabled: true } }, 'site.json');
    expect(on.hub).toEqual({ url: 'https://news.example.com/hub', lease: DEFAULT_LEASE });
    expect(on.hubs).toEqual(['https://news.example.com/hub', 'https://pubsubhubbub.example/']);
  });

  it('leases default to at least an hour, ten days unless asked, at most 30 days', () => {
    expect(DEFAULT_LEASE).toEqual({ min: 3600, default: 864000, max: 2592000 });
  });

  it('takes its URL from site.json, and the deployment’s hub URL over both, never listed twice', () => {
    const configured = { ...site, hub: { enabled: true, url: 'https://hub.news.example.com/' } };
    expect(parseSite(configured, 'site.json').hubs[0]).toBe('https://hub.news.example.com/');
    const deployed = parseSite(configured, 'site.json', undefined, 'https://abc.lambda-url.eu-west-1.on.aws/');
    expect(deployed.hub?.url).toBe('https://abc.lambda-url.eu-west-1.on.aws/');
    const listed = parseSite({ ...site, hubs: ['https://news.example.com/hub'], hub: { enabled: true } }, 'site.json');
    expect(listed.hubs).toEqual(['https://news.example.com/hub']);
  });

  it('narrows or widens the lease bounds within a minute and a year', () => {
    const custom = parseSite({ ...site, hub: { enabled: true, leaseSeconds: { min: 60, default: 600 } } }, 'site.json');
    expect(custom.hub?.lease).toEqual({ min: 60, default: 600, max: DEFAULT_LEASE.max });
  });

  it.each([
    [{ hub: true }, '"hub" must be an object such as {"enabled": true}'],
    [{ hub: {} }, '"hub.enabled" must be true or false'],
    [{ hub: { enabled: 'yes' } }, '"hub.enabled" must be true or false'],
    [
      { hub: { enabled: true, enable: true } },
      '"hub.enable" is not a hub setting (settings: enabled, url, leaseSeconds)',
    ],
    [{ hub: { enabled: true, url: '/hub' } }, '"hub.url" must be an absolute http(s) URL'],
    [
      { hub: { enabled: true, leaseSeconds: { max: 0 } } },
      '"hub.leaseSeconds.max" must be a whole number of seconds from 60 to 31536000 (got 0)',
    ],
    [
      { hub: { enabled: true, leaseSeconds: { min: 7200, default: 3600 } } },
      '"hub.leaseSeconds" must have min <= default <= max (got 7200, 3600, 2592000)',
    ],
    [
      { hub: { enabled: true, leaseSeconds: { defualt: 1 } } },
      '"hub.leaseSeconds.defualt" is not a lease bound (bounds: min, default, max)',
    ],
    [{ hubs: ['not a url'] }, '"hubs" must be an array of absolute http(s) URLs'],
  ])('%j is refused in one line naming the key', (extra, message) => {
    expect(() => parseSite({ ...site, ...extra }, 'content/site.json')).toThrow(ConfigError);
    expect(() => parseSite({ ...site, ...extra }, 'content/site.json')).toThrow(`content/site.json: ${message}`);
  });
});
