import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../functions/core/errors.ts';
import { type ContextKey, stackOptionsFromContext } from '../../infra/context.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

const read = (context: Record<string, unknown>) => stackOptionsFromContext((key: ContextKey) => context[key]);

describe('stack options from CDK context', () => {
  it('read the subscriber disable period, and name the key for one that is not a period', () => {
    expect(read({ subscriberDisableAfter: '7d' })).toEqual({ subscriberDisableAfter: '7d' });
    expect(read({ subscriberDisableAfter: 'off' })).toEqual({ subscriberDisableAfter: 'off' });
    expect(() => read({ subscriberDisableAfter: 'a week' })).toThrow(
      new ConfigError('context subscriberDisableAfter: expected a period such as 5d, 36h or 90m, or off, got "a week"'),
    );
  });

  it('read the reconcile period, and name the key for one that is not a period', () => {
    expect(read({ reconcileEvery: '15m' })).toEqual({ reconcileEvery: '15m' });
    expect(read({ reconcileEvery: 'off' })).toEqual({ reconcileEvery: 'off' });
    expect(() => read({ reconcileEvery: 'hourly' })).toThrow(
      new ConfigError('context reconcileEvery: expected a period such as 1h, 15m or 1d, or off, got "hourly"'),
    );
  });

  it('read what `-c key=value` gives, all strings', () => {
    expect(
      read({
        domainName: 'news.example.com',
        certificateArn: CERTIFICATE_ARN,
        hostedZoneId: 'Z0123456789ABCDEFGHIJ',
        zoneName: 'example.com',
        alarmEmail: 'desk@example.com, oncall@example.com',
        encryptAlarmTopic: 'true',
        pruneContent: 'false',
        dashboard: 'false',
      }),
    ).toEqual({
      domain: {
        domainName: 'news.example.com',
        certificateArn: CERTIFICATE_ARN,
        hostedZone: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', zoneName: 'example.com' },
      },
      alarmEmail: ['desk@example.com', 'oncall@example.com'],
      encryptAlarmTopic: true,
      pruneContent: false,
      dashboard: false,
    });
  });

  it('read booleans and lists as cdk.json holds them', () => {
    expect(read({ alarmEmail: ['desk@example.com'], pruneContent: true, alarmTopicArn: ' arn:x ' })).toEqual({
      alarmEmail: ['desk@example.com'],
      pruneContent: true,
      alarmTopicArn: 'arn:x',
    });
  });

  it('read the hub endpoint’s rate limits as numbers, from -c strings or cdk.json numbers', () => {
    expect(read({ hubRateLimit: '50', hubBurstLimit: 100 })).toEqual({ hubRateLimit: 50, hubBurstLimit: 100 });
  });

  it('take an empty value as unset, so the command line can switch off what cdk.json sets', () => {
    expect(read({ alarmEmail: '', domainName: ' ', dashboard: '' })).toEqual({});
    expect(read({})).toEqual({});
  });

  it.each([
    [{ pruneContent: 'yes' }, 'context pruneContent: expected true or false, got "yes"'],
    [{ domainName: 42 }, 'context domainName: expected a string, got 42'],
    [{ certificateArn: CERTIFICATE_ARN }, 'context certificateArn: set only with domainName'],
    [{ domainName: 'news.example.com', hostedZoneId: 'Z1' }, 'context zoneName: required with hostedZoneId'],
    [{ domainName: 'news.example.com', zoneName: 'example.com' }, 'context hostedZoneId: required with zoneName'],
    [{ alarmEmail: { to: 'desk@example.com' } }, 'context alarmEmail: expected a comma-separated list'],
    [{ hubRateLimit: '2.5' }, 'context hubRateLimit: expected a whole number from 1 to 10000, got "2.5"'],
    [{ hubBurstLimit: 0 }, 'context hubBurstLimit: expected a whole number from 1 to 5000, got 0'],
  ])('refuse %j with a message naming the key', (context, message) => {
    expect(() => read(context)).toThrow(ConfigError);
    expect(() => read(context)).toThrow(message);
  });
});

describe('the CDK app', () => {
  it('prints one line naming the setting and exits 1 for a setting that cannot work', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'wirefeed-app-'));
    const context = {
      domainName: 'news.example.com',
      certificateArn: CERTIFICATE_ARN.replace('us-east-1', 'eu-west-1'),
    };
    const run = promisify(execFile)(join(ROOT, 'node_modules/.bin/tsx'), ['infra/app.ts'], {
      cwd: ROOT,
      // How the CDK CLI hands `-c` options and the output directory to the app.
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    });
    const failure = (await run.then(
      () => null,
      (error: unknown) => error,
    )) as { code: number; stderr: string } | null;
    await rm(outdir, { recursive: true, force: true });
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^wirefeed: certificateArn: the certificate is in eu-west-1, but CloudFront only uses/),
    ]);
  });
});
