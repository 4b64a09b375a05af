/**
 * `wirefeed subscribers add | list | update | pause | resume | enable | remove | rotate | expire-previous | test`
 * (all take --state).
 */
import { randomBytes } from 'node:crypto';
import { createHttpSender, resolveWithSystem } from '../adapters/http-sender.ts';
import type { DeadLetterBox, Subscriber, SubscriberHealth } from '../core/delivery.ts';
import { displayUrl, maskCredentials, printable, printableJson } from '../core/display.ts';
import { UsageError, WirefeedError } from '../core/errors.ts';
import {
  EVENT_TYPES,
  EVENT_WILDCARDS,
  type EventFilter,
  eventBody,
  type FeedUrls,
  isEventFilter,
  OPERATIONAL_EVENT_TYPES,
  type WebhookEvent,
} from '../core/events.ts';
import { siteFeedUrls } from '../core/feeds.ts';
import { systemClock } from '../core/ports.ts';
import { maskSecret, signWebhook } from '../core/sign.ts';
import { parseTopicFilter, topicFilterTerm } from '../core/topics.ts';
import { loadSite } from '../pipeline/publish.ts';
import {
  SubscriberNotFoundError,
  SubscriberRepository,
  SubscriberStatusError,
  signingSecrets,
} from '../pipeline/subscribers.ts';
import { type CommandGroup, type CommandSpec, didYouMean, parseCommand, pickAction } from './args.ts';
import { type CliIo, type Command, printList } from './io.ts';
import {
  ALLOW_PRIVATE_OPTION,
  allowPrivateTargets,
  CONTENT_OPTION,
  DEFAULT_TARGETS,
  JSON_OPTION,
  openDeadLetters,
  openTarget,
  parseSince,
  QUEUE_OPTION,
  SINCE_OPTION,
  STATE_OPTION,
} from './options.ts';

const ONE_ID = { args: 'ID', positionals: { min: 1, max: 1 } } as const;

const CONTENT_EVENTS = EVENT_TYPES.filter((t) => t !== 'endpoint.test' && !OPERATIONAL_EVENT_TYPES.includes(t));

const EVENTS_OPTION = {
  events: {
    type: 'string',
    value: 'TYPE,...',
    description: `event types to receive (default all content events): ${[...CONTENT_EVENTS, ...EVENT_WILDCARDS, ...OPERATIONAL_EVENT_TYPES].join(', ')}`,
  },
} as const;
const TOPICS_OPTION = {
  topics: {
    type: 'string',
    value: 'KIND:NAME,...',
    description:
      'receive only the events of articles in these topics: tag:NAME, category:NAME, author:NAME (names or slugs)',
  },
} as const;
const UPDATE_TOPICS_OPTION = {
  topics: {
    type: 'string',
    value: 'KIND:NAME,...|all',
    description: `${TOPICS_OPTION.topics.description}; "all" (or "") clears them: every topic again`,
  },
} as const;

/**
 * `--topics` as `add` and `update` read it: the filter terms in their stored spelling (`tag:markets`), or with
 * `clearable` an empty list for `all` or `""`. A bad term is a one-line ConfigError naming it.
 */
function parseTopicsOption(value: string | boolean | undefined, clearable = false): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  if (clearable && (value.trim() === '' || value.trim().toLowerCase() === 'all')) return [];
  return parseTopicFilter(value).map(topicFilterTerm);
}
const DESCRIPTION_OPTION = {
  description: { type: 'string', value: 'TEXT', description: 'a note for operators: whose endpoint, what for' },
} as const;
const FORCE_OPTION = {
  force: { type: 'boolean', description: 'subscribe a URL that another subscriber already has' },
} as const;

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
        ...EVENTS_OPTION,
        ...TOPICS_OPTION,
        operator: {
          type: 'boolean',
          description: 'an operator endpoint: receives endpoint.disabled (and no content events unless --events)',
        },
        ...DESCRIPTION_OPTION,
        ...FORCE_OPTION,
        ...STATE_OPTION,
        ...ALLOW_PRIVATE_OPTION,
        ...JSON_OPTION,
      },
    },
    list: {
      name: 'subscribers list',
      summary:
        'Lists subscribers with their status, filters and health (failures in a row, last success, failing\n' +
        'since); secrets are shown masked.',
      options: { ...STATE_OPTION, ...JSON_OPTION },
    },
    update: {
      name: 'subscribers update',
      ...ONE_ID,
      summary: 'Changes a subscriber’s URL, events, topics or description; its id and secrets stay.',
      options: {
        url: { type: 'string', value: 'URL', description: 'the new endpoint, checked as `add` checks one' },
        ...EVENTS_OPTION,
        ...UPDATE_TOPICS_OPTION,
        ...DESCRIPTION_OPTION,
        ...FORCE_OPTION,
        ...STATE_OPTION,
        ...ALLOW_PRIVATE_OPTION,
      },
    },
    pause: {
      name: 'subscribers pause',
      ...ONE_ID,
      summary:
        'Stops deliveries to a subscriber until `resume`: they are kept as dead letters (reason paused), and\n' +
        '`resume` delivers them.',
      options: STATE_OPTION,
    },
    resume: {
      name: 'subscribers resume',
      ...ONE_ID,
      summary: 'Resumes a paused subscriber and replays what it missed while paused, each with its webhook-id.',
      options: { ...STATE_OPTION, ...QUEUE_OPTION },
    },
    enable: {
      name: 'subscribers enable',
      ...ONE_ID,
      summary:
        'Re-enables a disabled subscriber (410 Gone, or failing too long) and forgives its failures. It lists\n' +
        'the dead letters it missed since its failures began (or --since), and with --replay delivers them again,\n' +
        'each with its original webhook-id.',
      options: {
        replay: { type: 'boolean', description: 'deliver what it missed again' },
        ...SINCE_OPTION,
        ...STATE_OPTION,
        ...QUEUE_OPTION,
      },
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
      summary:
        'Gives a subscriber a new secret, printed once; the previous one keeps signing for 24 hours, or stops\n' +
        'now with --expire-previous (a leaked secret).',
      options: {
        'expire-previous': { type: 'boolean', description: 'the previous secrets stop signing now' },
        ...STATE_OPTION,
      },
    },
    'expire-previous': {
      name: 'subscribers expire-previous',
      ...ONE_ID,
      summary: 'After a rotation the receiver has caught up with: the previous secrets stop signing now.',
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

function parseEvents(value: string | undefined, command = 'subscribers add'): EventFilter[] | undefined {
  if (value === undefined) return undefined;
  const types = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const type of types) {
    if (!isEventFilter(type)) {
      throw new UsageError(
        `${command}: unknown event type "${type}"${didYouMean(type, [...EVENT_TYPES, ...EVENT_WILDCARDS])}`,
      );
    }
  }
  return types as EventFilter[];
}

/** A subscriber as it may be shown after `add`: every secret masked, and any credentials in its URL. */
function publicView(subscriber: Subscriber, health: SubscriberHealth) {
  const { subscriberId: _id, ...healthFields } = health;
  return {
    id: subscriber.id,
    url: maskCredentials(subscriber.url),
    events: subscriber.events.length === 0 ? ['*'] : subscriber.events,
    ...(subscriber.topics === undefined ? {} : { topics: subscriber.topics }),
    status: subscriber.status,
    ...(subscriber.disabledReason ? { disabledReason: subscriber.disabledReason } : {}),
    ...(subscriber.disabledAt ? { disabledAt: subscriber.disabledAt } : {}),
    ...(subscriber.pausedAt ? { pausedAt: subscriber.pausedAt } : {}),
    ...(subscriber.description ? { description: subscriber.description } : {}),
    secrets: subscriber.secrets.map((s) => ({
      secret: maskSecret(s.secret),
      ...(s.expires ? { expires: s.expires } : {}),
    })),
    created: subscriber.created,
    health: healthFields,
  };
}

/** `failures=3 since 2026-05-01T…  last success 2026-04-30T…`, or `healthy`, `no deliveries yet`. */
function describeHealth(health: SubscriberHealth): string {
  const success = health.lastSuccess ? `last success ${health.lastSuccess}` : 'no success yet';
  if (health.failingSince !== undefined) {
    return `failing: ${health.consecutiveFailures} in a row since ${health.failingSince}, ${success}`;
  }
  return health.lastSuccess ? `healthy, ${success}` : 'no deliveries yet';
}

async function readFeedUrls(contentSpec: string, io: CliIo): Promise<FeedUrls> {
  try {
    return siteFeedUrls(await loadSite(openTarget('--content', contentSpec, io)));
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
  const listed = parseEvents(values.events as string | undefined);
  const events = values.operator ? [...new Set([...(listed ?? []), ...OPERATIONAL_EVENT_TYPES])] : listed;
  const topics = parseTopicsOption(values.topics);
  const subscriber = await repository(values, io).add(url as string, {
    ...(events ? { events } : {}),
    ...(topics ? { topics } : {}),
    ...(values.description === undefined ? {} : { description: values.description as string }),
    allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'] as boolean | undefined, io),
    now: systemClock.now(),
    force: values.force === true,
  });
  const secret = subscriber.secrets[0]?.secret ?? '';
  if (values.json) {
    io.stdout(`${printableJson({ id: subscriber.id, url: subscriber.url, secret })}\n`);
    return 0;
  }
  io.stdout(
    `id      ${subscriber.id}\nurl     ${displayUrl(subscriber.url)}\nevents  ${subscriber.events.join(',') || 'all'}\n` +
      `${subscriber.topics === undefined ? '' : `topics  ${subscriber.topics.join(',')}\n`}secret  ${secret}\n(the secret is shown only now: store it with the receiver)\n`,
  );
  return 0;
};

const list: Action = async (values, _args, io) => {
  const repo = repository(values, io);
  const subscribers = await repo.list();
  const views = await Promise.all(subscribers.map(async (s) => publicView(s, await repo.health(s.id))));
  return printList(io, views, {
    json: values.json,
    none: 'no subscribers',
    line: (s) => {
      const status = s.disabledReason ? `${s.status} (${printable(s.disabledReason)})` : s.status;
      const secrets = s.secrets.map((x) => x.secret).join(' ');
      const note = s.description ? `  "${printable(s.description)}"` : '';
      return (
        `${s.id}  ${status}  ${displayUrl(s.url)}  events=${s.events.join(',')}  ` +
        `${s.topics === undefined ? '' : `topics=${s.topics.join(',')}  `}secret=${secrets}  ` +
        `created=${printable(s.created)}  ${describeHealth({ subscriberId: s.id, ...s.health })}${note}`
      );
    },
  });
};

const update: Action = async (values, [id], io) => {
  const events = parseEvents(values.events as string | undefined, 'subscribers update');
  const topics = parseTopicsOption(values.topics, true);
  if (values.url === undefined && events === undefined && topics === undefined && values.description === undefined) {
    throw new UsageError('subscribers update: nothing to change: give --url, --events, --topics or --description');
  }
  const updated = await repository(values, io).update(id as string, {
    ...(values.url === undefined ? {} : { url: values.url as string }),
    ...(events === undefined ? {} : { events }),
    ...(topics === undefined ? {} : { topics }),
    ...(values.description === undefined ? {} : { description: values.description as string }),
    allowPrivateTargets: allowPrivateTargets(values['allow-private-targets'] as boolean | undefined, io),
    force: values.force === true,
  });
  io.stdout(
    `updated ${updated.id}: ${displayUrl(updated.url)}  events=${updated.events.join(',') || 'all'}` +
      `  topics=${updated.topics?.join(',') ?? 'all'}` +
      `${updated.description ? `  "${printable(updated.description)}"` : ''} (id and secrets unchanged)\n`,
  );
  return 0;
};

const pause: Action = async (values, [id], io) => {
  const paused = await repository(values, io).pause(id as string, systemClock.now());
  io.stdout(
    `paused ${paused.id} at ${paused.pausedAt}: its deliveries wait as dead letters until wirefeed subscribers resume ${paused.id}\n`,
  );
  return 0;
};

/**
 * Makes the subscriber active again and lists (or, with `replay`, re-delivers) its dead letters since `since`, in the
 * order they were given up, each with its original webhook-id.
 */
async function reactivate(
  values: Record<string, string | boolean | undefined>,
  id: string,
  io: CliIo,
  options: { readonly command: string; readonly replay: boolean; readonly expect: Subscriber['status'] },
): Promise<number> {
  const repo = repository(values, io);
  const current = await repo.get(id);
  if (!current) throw new SubscriberNotFoundError(id);
  if (options.expect === 'paused' && current.status !== 'paused') {
    const hint = current.status === 'disabled' ? ` (wirefeed subscribers enable ${id})` : '';
    throw new SubscriberStatusError(`${options.command}: ${id} is ${current.status}, not paused${hint}`);
  }
  // The streak is forgiven on activation: read when the failures began first.
  const health = await repo.health(id);
  const box: DeadLetterBox = await openDeadLetters(values as { queue?: string; state?: string }, io);
  const now = systemClock.now();
  const since =
    parseSince(options.command, values.since as string | undefined, now) ??
    (options.expect === 'paused'
      ? timeOf(current.pausedAt)
      : timeOf(health.failingSince ?? current.disabledAt ?? current.pausedAt));
  const { before } = await repo.activate(id);
  const selection = { subscriberId: id, ...(since === undefined ? {} : { since }) };
  const window = since === undefined ? 'ever' : `since ${since.toISOString()}`;
  const was = before.status === 'active' ? `${id} was already active` : `${id} is active again (was ${before.status})`;
  if (options.replay) {
    const replayed = await box.replay(selection, now);
    io.stdout(
      `${was}; re-queued ${replayed.length} missed deliver${replayed.length === 1 ? 'y' : 'ies'} (dead letters ${window}), ` +
        `each with its original webhook-id\n`,
    );
    return 0;
  }
  const { letters } = await box.list(selection);
  const sinceFlag = since === undefined ? '' : ` --since ${since.toISOString()}`;
  const offer =
    letters.length === 0
      ? `no dead letters ${window}`
      : `${letters.length} missed deliver${letters.length === 1 ? 'y' : 'ies'} (dead letters ${window}); ` +
        `deliver them again: wirefeed subscribers enable ${id} --replay${sinceFlag}`;
  io.stdout(`${was}; ${offer}\n`);
  return 0;
}

function timeOf(iso: string | undefined): Date | undefined {
  return iso === undefined || Number.isNaN(Date.parse(iso)) ? undefined : new Date(iso);
}

const resume: Action = async (values, [id], io) =>
  reactivate(values, id as string, io, { command: 'subscribers resume', replay: true, expect: 'paused' });

const enable: Action = async (values, [id], io) =>
  reactivate(values, id as string, io, {
    command: 'subscribers enable',
    replay: values.replay === true,
    expect: 'disabled',
  });

const expirePrevious: Action = async (values, [id], io) => {
  const { expired } = await repository(values, io).expirePrevious(id as string);
  if (expired === 0) throw new WirefeedError(`${id} has no previous secret: only the current one signs`);
  io.stdout(`${id}: ${expired} previous secret${expired === 1 ? '' : 's'} expired now; only the current one signs\n`);
  return 0;
};

const remove: Action = async (values, [id], io) => {
  if (!(await repository(values, io).remove(id as string))) throw new SubscriberNotFoundError(id as string);
  io.stdout(`removed ${id}\n`);
  return 0;
};

const rotate: Action = async (values, [id], io) => {
  const expireNow = values['expire-previous'] === true;
  const rotated = await repository(values, io).rotate(id as string, systemClock.now(), { expirePrevious: expireNow });
  const previous = rotated.secrets.slice(1).find((s) => s.expires);
  const until = expireNow
    ? 'the previous one stopped signing now'
    : `the previous one keeps signing until ${previous?.expires ?? 'now'}`;
  io.stdout(
    `id      ${rotated.id}\nsecret  ${rotated.secrets[0]?.secret ?? ''}\n` +
      `(the secret is shown only now; ${until})\n`,
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

const ACTIONS: Record<string, Action> = {
  add,
  list,
  update,
  pause,
  resume,
  enable,
  remove,
  rotate,
  'expire-previous': expirePrevious,
  test,
};

export const subscribersCommand: Command = async (argv, io) => {
  const { action, rest } = pickAction(SUBSCRIBERS, argv);
  const { values, positionals } = parseCommand(SUBSCRIBERS.actions[action] as CommandSpec, rest);
  return (ACTIONS[action] as Action)(values, positionals, io);
};
