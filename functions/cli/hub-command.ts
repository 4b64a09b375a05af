/** `wirefeed hub subscriptions [--state DIR|s3://…] [--json]`: the built-in WebSub hub's subscriptions. */
import { printable } from '../core/display.ts';
import { systemClock } from '../core/ports.ts';
import { isLive } from '../core/websub/subscription.ts';
import { HubSubscriptions } from '../pipeline/websub/subscriptions.ts';
import { type CommandGroup, type CommandSpec, parseCommand, pickAction } from './args.ts';
import { type Command, printList } from './io.ts';
import { DEFAULT_TARGETS, JSON_OPTION, openTarget, STATE_OPTION } from './options.ts';

export const HUB: CommandGroup = {
  name: 'hub',
  summary: "The built-in WebSub hub's state (default .wirefeed, or --state s3://…).",
  actions: {
    subscriptions: {
      name: 'hub subscriptions',
      summary:
        'Lists the hub subscriptions: topic, callback host, lease expiry and the last distribution attempt.\n' +
        'Secrets and full callback URLs (capabilities) are never shown. Exit code 1 when a record cannot be read.',
      options: { ...STATE_OPTION, ...JSON_OPTION },
    },
  } satisfies Record<string, CommandSpec>,
};

/** The callback's host (and port), not its path or query: a callback URL is the subscriber's capability. */
function callbackHost(callback: string): string {
  try {
    return new URL(callback).host;
  } catch {
    return '?';
  }
}

export const hubCommand: Command = async (argv, io) => {
  const { action, rest } = pickAction(HUB, argv);
  const { values } = parseCommand(HUB.actions[action] as CommandSpec, rest);
  const state = openTarget('--state', (values.state as string | undefined) ?? DEFAULT_TARGETS.state, io);
  const hub = new HubSubscriptions(state);
  const { subscriptions, unreadable } = await hub.list();
  const now = systemClock.now();
  const rows = await Promise.all(
    subscriptions.map(async (subscription) => ({
      id: subscription.id,
      topic: subscription.topic,
      callbackHost: callbackHost(subscription.callback),
      signed: subscription.secret !== undefined,
      leaseSeconds: subscription.leaseSeconds,
      verified: subscription.verified,
      expires: subscription.expires,
      live: isLive(subscription, now),
      lastDistribution: await hub.lastDistribution(subscription.id),
    })),
  );
  printList(io, rows, {
    json: values.json,
    none: 'no hub subscriptions',
    line: (row) => {
      const last = row.lastDistribution;
      const delivery =
        last === null
          ? 'last=none'
          : `last=${last.outcome} ${last.status ?? '-'} at ${last.time}${last.error ? ` (${last.error})` : ''}`;
      return printable(
        `${row.id}  ${row.topic}  callback=${row.callbackHost}  ${row.live ? 'expires' : 'expired'}=${row.expires}` +
          `${row.signed ? '  signed' : ''}  ${delivery}`,
      );
    },
  });
  for (const record of unreadable) io.stderr(`wirefeed: ${printable(record.reason)}\n`);
  return unreadable.length > 0 ? 1 : 0;
};
