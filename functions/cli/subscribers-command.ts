/** `wirefeed subscribers add URL [--events a,b] | list | remove ID | rotate ID | test ID` (all take --state). */
import { randomBytes } from 'node:crypto';
import { createHttpSender, resolveWithSystem } from '../adapters/http-sender.ts';
import { openStore } from '../adapters/open-store.ts';
import { feedUrls } from '../core/article.ts';
import type { Subscriber } from '../core/delivery.ts';
import { UsageError } from '../core/errors.ts';
import { type EventType, eventBody, type FeedUrls, isEventType, type WebhookEvent } from '../core/events.ts';
import { systemClock } from '../core/ports.ts';
import { maskSecret, signWebhook } from '../core/sign.ts';
import { loadSite } from '../pipeline/publish.ts';
import { SubscriberNotFoundError, SubscriberRepository, signingSecrets } from '../pipeline/subscribers.ts';
import { parseArgs } from './args.ts';
import { DEFAULT_TARGETS } from './build-command.ts';
import type { CliIo, Command } from './io.ts';

const OPTIONS = {
  state: { type: 'string' },
  content: { type: 'string' },
  events: { type: 'string' },
  'allow-private-targets': { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/**
 * `--allow-private-targets`, or `WIREFEED_ALLOW_PRIVATE_TARGETS` set to `1` or `true` (the value the Lambda
 * config also accepts): local development only, never a default.
 */
export function allowPrivateTargets(flag: boolean | undefined, io: CliIo): boolean {
  const env = io.env.WIREFEED_ALLOW_PRIVATE_TARGETS;
  return flag === true || env === '1' || env === 'true';
}

function parseEvents(value: string | undefined): EventType[] | undefined {
  if (value === undefined) return undefined;
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const type of types) {
    if (!isEventType(type)) throw new UsageError(`subscribers: unknown event type "${type}"`);
  }
  return types as EventType[];
}

/** A subscriber as it may be shown after `add`: every secret masked. */
function publicView(subscriber: Subscriber) {
  return {
    id: subscriber.id,
    url: subscriber.url,
    events: subscriber.events.length === 0 ? ['*'] : subscriber.events,
    status: subscriber.status,
    ...(subscriber.disabledReason ? { disabledReason: subscriber.disabledReason } : {}),
    secrets: subscriber.secrets.map((s) => ({
      secret: maskSecret(s.secret),
      ...(s.expires ? { expires: s.expires } : {}),
    })),
    created: subscriber.created,
  };
}

function one(positionals: readonly string[], what: string): string {
  const [value, ...extra] = positionals;
  if (value === undefined || extra.length > 0)
    throw new UsageError(`subscribers ${what}: expected exactly one argument`);
  return value;
}

async function readFeedUrls(contentSpec: string, io: CliIo): Promise<FeedUrls> {
  try {
    return feedUrls(await loadSite(openStore(contentSpec, io.env, io.cwd)));
  } catch {
    // The test event is about reaching the endpoint; feed URLs are a courtesy when site.json is readable.
  }
  return { rss: '', atom: '', json: '', home: '' };
}

export const subscribersCommand: Command = async (argv, io) => {
  const [action, ...rest] = argv;
  const { values, positionals } = parseArgs(`subscribers ${action ?? ''}`.trim(), rest, OPTIONS);
  const state = openStore(values.state ?? DEFAULT_TARGETS.state, io.env, io.cwd);
  const repository = new SubscriberRepository(state, { resolve: resolveWithSystem });
  const allowPrivate = allowPrivateTargets(values['allow-private-targets'], io);
  const now = systemClock.now();

  switch (action) {
    case 'add': {
      const url = one(positionals, 'add');
      const events = parseEvents(values.events);
      const subscriber = await repository.add(url, {
        ...(events ? { events } : {}),
        allowPrivateTargets: allowPrivate,
        now,
      });
      const secret = subscriber.secrets[0]?.secret ?? '';
      if (values.json) io.stdout(`${JSON.stringify({ id: subscriber.id, url: subscriber.url, secret })}\n`);
      else
        io.stdout(
          `id      ${subscriber.id}\nurl     ${subscriber.url}\nevents  ${subscriber.events.join(',') || 'all'}\n` +
            `secret  ${secret}\n(the secret is shown only now: store it with the receiver)\n`,
        );
      return 0;
    }
    case 'list': {
      if (positionals.length > 0) throw new UsageError('subscribers list: takes no arguments');
      const subscribers = (await repository.list()).map(publicView);
      if (values.json) {
        io.stdout(`${JSON.stringify(subscribers, null, 2)}\n`);
        return 0;
      }
      if (subscribers.length === 0) io.stdout('no subscribers\n');
      for (const s of subscribers) {
        const status = s.disabledReason ? `${s.status} (${s.disabledReason})` : s.status;
        const secrets = s.secrets.map((x) => x.secret).join(' ');
        io.stdout(
          `${s.id}  ${status}  ${s.url}  events=${s.events.join(',')}  secret=${secrets}  created=${s.created}\n`,
        );
      }
      return 0;
    }
    case 'remove': {
      const id = one(positionals, 'remove');
      if (!(await repository.remove(id))) throw new SubscriberNotFoundError(id);
      io.stdout(`removed ${id}\n`);
      return 0;
    }
    case 'rotate': {
      const id = one(positionals, 'rotate');
      const rotated = await repository.rotate(id, now);
      const previous = rotated.secrets.slice(1).find((s) => s.expires);
      io.stdout(
        `id      ${rotated.id}\nsecret  ${rotated.secrets[0]?.secret ?? ''}\n` +
          `(the secret is shown only now; the previous one keeps signing until ${previous?.expires ?? 'now'})\n`,
      );
      return 0;
    }
    case 'test': {
      const id = one(positionals, 'test');
      const subscriber = await repository.get(id);
      if (!subscriber) throw new SubscriberNotFoundError(id);
      const event: WebhookEvent = {
        id: `evt_test_${randomBytes(12).toString('hex')}`,
        type: 'endpoint.test',
        timestamp: now.toISOString(),
        data: { subscriberId: subscriber.id, feeds: await readFeedUrls(values.content ?? DEFAULT_TARGETS.content, io) },
      };
      const body = eventBody(event);
      const headers = signWebhook({
        id: event.id,
        timestamp: Math.floor(now.getTime() / 1000),
        body,
        secrets: signingSecrets(subscriber, now),
      });
      const sender = createHttpSender({ allowPrivateTargets: allowPrivate });
      const result = await sender.send(subscriber.url, headers, body);
      const ok = result.error === undefined && result.status !== null && result.status >= 200 && result.status < 300;
      io.stdout(
        `${subscriber.url} → ${result.status ?? 'no response'} in ${result.latencyMs} ms` +
          `${result.error ? ` (${result.error})` : ''}\n${result.bodySnippet ? `${result.bodySnippet.slice(0, 200)}\n` : ''}`,
      );
      return ok ? 0 : 1;
    }
    default:
      throw new UsageError('subscribers: expected add URL | list | remove ID | rotate ID | test ID');
  }
};
