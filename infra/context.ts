/**
 * The stack options an operator sets on the command line (`npx cdk deploy -c domainName=news.example.com …`) or
 * under `context` in cdk.json. Each context key has the name of the stack prop it sets, so one error message
 * (which names the key) serves both.
 */
import { ConfigError } from '../functions/core/errors.ts';
import { parsePeriod } from '../functions/core/subscriber-health.ts';
import type { WirefeedStackProps } from './wirefeed-stack.ts';

/** Every context key the app reads. */
export const CONTEXT_KEYS = [
  'domainName',
  'certificateArn',
  'hostedZoneId',
  'zoneName',
  'alarmEmail',
  'alarmTopicArn',
  'encryptAlarmTopic',
  'pruneContent',
  'dashboard',
  'subscriberDisableAfter',
  'reconcileEvery',
  'hubRateLimit',
  'hubBurstLimit',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

export type StackOptions = Pick<
  WirefeedStackProps,
  | 'domain'
  | 'alarmEmail'
  | 'alarmTopicArn'
  | 'encryptAlarmTopic'
  | 'pruneContent'
  | 'dashboard'
  | 'subscriberDisableAfter'
  | 'reconcileEvery'
  | 'hubRateLimit'
  | 'hubBurstLimit'
>;

/**
 * Reads the stack options from CDK context. `-c key=value` always gives strings; cdk.json may give booleans and
 * lists. An empty string counts as unset, so `-c alarmEmail=` turns off a value cdk.json sets.
 * @throws ConfigError naming the key, for a value of the wrong kind or a setting that needs another one.
 */
export function stackOptionsFromContext(get: (key: ContextKey) => unknown): StackOptions {
  const text = (key: ContextKey): string | undefined => {
    const value = get(key);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string')
      throw new ConfigError(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
    return value.trim() === '' ? undefined : value.trim();
  };
  const flag = (key: ContextKey): boolean | undefined => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new ConfigError(`context ${key}: expected true or false, got ${JSON.stringify(value)}`);
  };
  const list = (key: ContextKey): string[] | undefined => {
    const value = get(key);
    const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
    if (items === undefined) {
      if (value === undefined || value === null) return undefined;
      throw new ConfigError(`context ${key}: expected a comma-separated list, got ${JSON.stringify(value)}`);
    }
    const clean = items.map((item) => String(item).trim()).filter((item) => item !== '');
    return clean.length === 0 ? undefined : clean;
  };

  const count = (key: ContextKey, max: number): number | undefined => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
    if (!Number.isInteger(number) || number < 1 || number > max) {
      throw new ConfigError(`context ${key}: expected a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
    }
    return number;
  };

  const domainName = text('domainName');
  const certificateArn = text('certificateArn');
  const hostedZoneId = text('hostedZoneId');
  const zoneName = text('zoneName');
  if (domainName === undefined) {
    const orphan = (['certificateArn', 'hostedZoneId', 'zoneName'] as const).find((key) => text(key) !== undefined);
    if (orphan !== undefined) throw new ConfigError(`context ${orphan}: set only with domainName`);
  }
  if ((hostedZoneId === undefined) !== (zoneName === undefined)) {
    const missing = hostedZoneId === undefined ? 'hostedZoneId' : 'zoneName';
    throw new ConfigError(`context ${missing}: required with ${missing === 'zoneName' ? 'hostedZoneId' : 'zoneName'}`);
  }
  const alarmEmail = list('alarmEmail');
  const alarmTopicArn = text('alarmTopicArn');
  const encryptAlarmTopic = flag('encryptAlarmTopic');
  const pruneContent = flag('pruneContent');
  const dashboard = flag('dashboard');
  const subscriberDisableAfter = text('subscriberDisableAfter');
  if (subscriberDisableAfter !== undefined && parsePeriod(subscriberDisableAfter) === undefined) {
    throw new ConfigError(
      `context subscriberDisableAfter: expected a period such as 5d, 36h or 90m, or off, got "${subscriberDisableAfter}"`,
    );
  }
  const reconcileEvery = text('reconcileEvery');
  if (reconcileEvery !== undefined && parsePeriod(reconcileEvery) === undefined) {
    throw new ConfigError(
      `context reconcileEvery: expected a period such as 1h, 15m or 1d, or off, got "${reconcileEvery}"`,
    );
  }
  // API Gateway's account limit per region is 10,000 requests per second, with a burst of 5,000.
  const hubRateLimit = count('hubRateLimit', 10_000);
  const hubBurstLimit = count('hubBurstLimit', 5_000);
  return {
    ...(domainName === undefined
      ? {}
      : {
          domain: {
            domainName,
            ...(certificateArn === undefined ? {} : { certificateArn }),
            ...(hostedZoneId === undefined || zoneName === undefined ? {} : { hostedZone: { hostedZoneId, zoneName } }),
          },
        }),
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
    ...(encryptAlarmTopic === undefined ? {} : { encryptAlarmTopic }),
    ...(pruneContent === undefined ? {} : { pruneContent }),
    ...(dashboard === undefined ? {} : { dashboard }),
    ...(subscriberDisableAfter === undefined ? {} : { subscriberDisableAfter }),
    ...(reconcileEvery === undefined ? {} : { reconcileEvery }),
    ...(hubRateLimit === undefined ? {} : { hubRateLimit }),
    ...(hubBurstLimit === undefined ? {} : { hubBurstLimit }),
  };
}
