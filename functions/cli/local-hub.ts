/**
 * The built-in WebSub hub as the dev server serves it: `POST /hub` on the same HTTP server as the site, answered by
 * the same `handleHubRequest` as the hub Lambda, with the site read afresh for every request (so turning the hub on in
 * site.json needs no restart) and verifications queued on the local outbox.
 */
import type { Route } from '../adapters/http-server.ts';
import type { Site } from '../core/article.ts';
import type { DeliveryQueue } from '../core/delivery.ts';
import { ConfigError } from '../core/errors.ts';
import type { Clock, ObjectStore } from '../core/ports.ts';
import { HUB_PATH } from '../core/site.ts';
import { MAX_HUB_REQUEST_BYTES } from '../core/websub/hub-request.ts';
import { loadSite } from '../pipeline/site.ts';
import { handleHubRequest } from '../pipeline/websub/hub.ts';

export interface LocalHubOptions {
  readonly content: ObjectStore;
  /** The site URL the build uses (the served address when site.json points at this machine). */
  readonly siteUrl: () => string | undefined;
  readonly state: ObjectStore;
  readonly queue: DeliveryQueue;
  readonly clock: Clock;
  readonly allowPrivateTargets: boolean;
  /** Called after a request was accepted, so its verification goes out now rather than at the next timed drain. */
  readonly onAccepted?: () => void;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' } as const;

/** The routes (`POST /hub`) that put the hub on the dev server. */
export function localHubRoutes(options: LocalHubOptions): Record<string, Route> {
  const route: Route = {
    maxBodyBytes: MAX_HUB_REQUEST_BYTES,
    async handle(request) {
      let site: Site;
      try {
        site = await loadSite(options.content, options.siteUrl());
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        // The build reports the broken site.json too; the subscriber learns it is not its request's fault.
        return { status: 503, headers: TEXT, body: `the hub's site configuration is broken: ${error.message}\n` };
      }
      const answer = await handleHubRequest(
        { method: request.method, contentType: request.headers['content-type'], body: request.body },
        {
          site,
          state: options.state,
          queue: options.queue,
          clock: options.clock,
          allowPrivateTargets: options.allowPrivateTargets,
        },
      );
      if (answer.status === 202) options.onAccepted?.();
      return answer;
    },
  };
  return { [`POST /${HUB_PATH}`]: route };
}
