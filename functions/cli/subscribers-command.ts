/** `wirefeed subscribers add URL [--events a,b] | list | remove ID | rotate ID | test ID` (all take --state). */
import { randomBytes } from 'node:crypto';
import { createHttpSender, resolveWithSystem } from '../adapters/http-sender.ts';
import { feedUrls } from '../core/article.ts';
import type { Subscriber } from '../core/delivery.ts';
import { displayUrl, maskCredentials, printable, printableJson } from '../core/display.ts';
import { UsageError } from '../core/errors.ts';
import {
  EVENT_TYPES,
  type EventType,
  eventBody,
  type FeedUrls,
  isEventType,
  type WebhookEvent,
} from '../core/events.ts';
import { systemClock } from '../core/ports.ts';
import { maskSecret, signWebhook } from '../core/sign.ts';
import { loadSite } from '../pipeline/publish.ts';
import { SubscriberNotFoundError, SubscriberRepository, signingSecrets } from '../pipeline/subscribers.ts';
import { type CommandGroup, type CommandSpec, didYouMean, parseCommand, pickAction } from './args.ts';
import { type CliIo, type Command, printList } from './io.ts';
import {
  ALLOW_PRIVATE_OPTION,
  allowPrivateTargets,
  CONTENT_OPTION,
  DEFAULT_TARGETS,
  JSON_OPTION,
  openTarget,
  STATE_OPTION,
} from './options.ts';

const ONE_ID = { args: 'ID', positionals: { min: 1, max: 1 } } as const;

export const SUBSCRIBERS: CommandGroup = {
  name: 'subscribers',
  summary: 'Manages the webhook subscribers kept in the state (default .wirefeed, or --state s3://…).',
  actions: {
    add: {
      name: 'subscribers add',
      args: 'URL',
      positionals: { min: 1, max: 1 },
      summary:
        'Subscribes an https endpoint and prints its signing secret, once. The URL is checked against SSRF\n' +
        '(public https on the default port; every address its host resolves to).',
      options: {
        events: {
          type: 'string',
          value: 'TYPE,...',
          description: `event types to receive (default all): ${EVENT_TYPES.filter((t) => t !== 'endpoint.test').join(', ')}`,
        },
        ...STATE_OPTION,
        ...ALLOW_PRIVATE_OPTION,
        ...JSON_OPTION,
      },
    },
    list: {
      name: 'subscribers list',
      summary: 'Lists subscribers with their status and filters; secrets are shown masked.',
      options: { ...STATE_OPTION, ...JSON_OPTION },
    },
    remove: {
      name: 'subscribers remove',
      ...ONE_ID,
      summary: 'Removes a subscriber; its pending deliveries are dropped.',
      options: STATE_OPTION,
    },
    rotate: {
      name: 'subscribers rotate',
      ...ONE_ID,
      summary: 'Gives a subscriber a new secret, printed once; the previous one keeps signing for 24 hours.',
      options: STATE_OPTION,
    },
    test: {
      name: 'subscribers test',
      ...ONE_ID,
      summary: 'Sends a signed endpoint.test event now and prints the answer. Exit code 1 unless it is 2xx.',
      options: { ...STATE_OPTION, ...CONTENT_OPTION, ...ALLOW_PRIVATE_OPTION },
    },
  } satisfies Record<string, CommandSpec>,
};

function parseEvents(value: string | undefined): EventType[] | undefined {
  if (value === undefined) return undefined;
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const type of types) {
    if (!isEventType(type)) {
      throw new UsageError(`subscribers add: unknown event type "${type}"${didYouMean(type, EVENT_TYPES)}`);
    }
  }
  return types as EventType[];
}

/** A subscriber as it may be shown after `add`: every secret masked, and any credentials in its URL. */
function publicView(subscriber: Subscriber) {
  return {
    id: subscriber.id,
    url: maskCredentials(subscriber.url),
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

async function readFeedUrls(contentSpec: string, io: CliIo): Promise<FeedUrls> {
  try {
    return feedUrls(await loadSite(openTarget('--content', contentSpec, io)));
  } catch {
    // The test event is about reaching the endpoint; feed URLs are a courtesy when site.json is readable.
  }
  return { rss: '', atom: '', json: '', home: '' };
}

type Action = (values: Record<string, string | boolean | undefined>, args: string[], io: CliIo) => Promise<number>;

function repository(values: Record<string, string | boolean | undefined>, io: CliIo): SubscriberRepository {
  const state = openTarget('--state', (values.state as string | undefined) ?? DEFAULT_TARGETS.state, io);
  return new SubscriberRepository(state, { resolve: resolveWithSystem });
}

const add: Action = async (values, [url], io) => {
  const events = parseEvents(values.events as string | undefined);
  const subscriber = await repository(values, io).add(url as string, {
    ...(events ? { events } : {}),
    allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'] as boolean | undefined, io),
    now: systemClock.now(),
  });
  const secret = subscriber.secrets[0]?.secret ?? '';
  if (values.json) {
    io.stdout(`${printableJson({ id: subscriber.id, url: subscriber.url, secret })}\n`);
    return 0;
  }
  io.stdout(
    `id      ${subscriber.id}\nurl     ${displayUrl(subscriber.url)}\nevents  ${subscriber.events.join(',') || 'all'}\n` +
      `secret  ${secret}\n(the secret is shown only now: store it with the receiver)\n`,
  );
  return 0;
};

const list: Action = async (values, _args, io) => {
  return printList(io, (await repository(values, io).list()).map(publicView), {
    json: values.json,
    none: 'no subscribers',
    line: (s) => {
      const status = s.disabledReason ? `${s.status} (${printable(s.disabledReason)})` : s.status;
      const secrets = s.secrets.map((x) => x.secret).join(' ');
      return `${s.id}  ${status}  ${displayUrl(s.url)}  events=${s.events.join(',')}  secret=${secrets}  created=${printable(s.created)}`;
    },
  });
};

const remove: Action = async (values, [id], io) => {
  if (!(await repository(values, io).remove(id as string))) throw new SubscriberNotFoundError(id as string);
  io.stdout(`removed ${id}\n`);
  return 0;
};

const rotate: Action = async (values, [id], io) => {
  const rotated = await repository(values, io).rotate(id as string, systemClock.now());
  const previous = rotated.secrets.slice(1).find((s) => s.expires);
  io.stdout(
    `id      ${rotated.id}\nsecret  ${rotated.secrets[0]?.secret ?? ''}\n` +
      `(the secret is shown only now; the previous one keeps signing until ${previous?.expires ?? 'now'})\n`,
  );
  return 0;
};

/** Sends one signed endpoint.test event and prints what came back, made safe to print. */
const test: Action = async (values, [id], io) => {
  const subscriber = await repository(values, io).get(id as string);
  if (!subscriber) throw new SubscriberNotFoundError(id as string);
  const now = systemClock.now();
  const event: WebhookEvent = {
    id: `evt_test_${randomBytes(12).toString('hex')}`,
    type: 'endpoint.test',
    timestamp: now.toISOString(),
    data: {
      subscriberId: subscriber.id,
      feeds: await readFeedUrls((values.content as string | undefined) ?? DEFAULT_TARGETS.content, io),
    },
  };
  const body = eventBody(event);
  const headers = signWebhook({
    id: event.id,
    timestamp: Math.floor(now.getTime() / 1000),
    body,
    secrets: signingSecrets(subscriber, now),
  });
  const allowPrivate = allowPrivateTargets(values['allow-private-targets'] as boolean | undefined, io);
  const result = await createHttpSender({ allowPrivateTargets: allowPrivate }).send(subscriber.url, headers, body);
  const ok = result.error === undefined && result.status !== null && result.status >= 200 && result.status < 300;
  const error = result.error ? ` (${printable(result.error)})` : '';
  const answer = result.bodySnippet ? `${printable(result.bodySnippet.slice(0, 200), { multiline: true })}\n` : '';
  io.stdout(
    `${displayUrl(subscriber.url)} → ${result.status ?? 'no response'} in ${result.latencyMs} ms${error}\n${answer}`,
  );
  return ok ? 0 : 1;
};

const ACTIONS: Record<string, Action> = { add, list, remove, rotate, test };

export const subscribersCommand: Command = async (argv, io) => {
  const { action, rest } = pickAction(SUBSCRIBERS, argv);
  const { values, positionals } = parseCommand(SUBSCRIBERS.actions[action] as CommandSpec, rest);
  return (ACTIONS[action] as Action)(values, positionals, io);
};
